import type { IdentityIndex } from '../application/ports/identity-index';
import type { Config } from '../infrastructure/config/config';
import { ExactIdentityIndex } from '../infrastructure/search/exact-identity-index';

/** The in-memory 1:N index every replica matches against (filled from GALLERY_DIR and the gallery store). */
export function createIdentityIndex(config: Config): IdentityIndex {
  void config;
  return new ExactIdentityIndex();
}
