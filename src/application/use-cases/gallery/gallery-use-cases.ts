import type { DeletePerson } from './delete-person';
import type { AbandonEnrollment, AddEnrollmentImages, CommitEnrollment, OpenEnrollment } from './enrollment-sessions';
import type { GetPerson, ListPeople } from './get-person';
import type { RegisterPerson } from './register-person';
import type { UpdatePerson } from './update-person';
import type { VerifyFace } from './verify-face';

/** Everything the gallery offers its clients (the HTTP API), built once by the composition. */
export interface GalleryUseCases {
  readonly registerPerson: RegisterPerson;
  readonly updatePerson: UpdatePerson;
  readonly deletePerson: DeletePerson;
  readonly getPerson: GetPerson;
  readonly listPeople: ListPeople;
  readonly verifyFace: VerifyFace;
  readonly openEnrollment: OpenEnrollment;
  readonly addEnrollmentImages: AddEnrollmentImages;
  readonly commitEnrollment: CommitEnrollment;
  readonly abandonEnrollment: AbandonEnrollment;
}
