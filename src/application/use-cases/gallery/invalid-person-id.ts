import { FaceRecognitionError } from '../../../domain/errors';
import { PERSON_ID_PATTERN } from '../../../domain/person';

/** A person id outside the alphabet ids may use (they travel in URLs, Redis keys and file names). */
export class InvalidPersonId extends FaceRecognitionError {
  readonly code = 'invalid_person_id';
  constructor(personId: string) {
    super(`'${personId.slice(0, 140)}' is not a valid person id: 1 to 128 characters of ${PERSON_ID_PATTERN.source}`, {});
  }
}
