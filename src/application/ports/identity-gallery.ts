import type { EnrolledIdentity } from '../../domain/identity';

/** Where enrolled identities live. */
export interface IdentityGallery {
  identities(): Promise<readonly EnrolledIdentity[]>;
}
