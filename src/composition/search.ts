import type { IdentityIndex } from '../application/ports/identity-index';
import type { Config } from '../infrastructure/config/config';
import { ExactIdentityIndex } from '../infrastructure/search/exact-identity-index';
import { DEFAULT_HNSW, DEFAULT_SHORTLIST, TieredIdentityIndex } from '../infrastructure/search/tiered-identity-index';

/**
 * The in-memory 1:N index every replica matches against (filled from
 * GALLERY_DIR and the gallery store): exact below GALLERY_ANN_THRESHOLD
 * identities, with an HNSW shortlist above it (0: always exact).
 */
export function createIdentityIndex(config: Pick<Config, 'GALLERY_ANN_THRESHOLD'>): IdentityIndex {
  if (config.GALLERY_ANN_THRESHOLD === 0) return new ExactIdentityIndex();
  return new TieredIdentityIndex({ annThreshold: config.GALLERY_ANN_THRESHOLD, shortlist: DEFAULT_SHORTLIST, hnsw: DEFAULT_HNSW });
}
