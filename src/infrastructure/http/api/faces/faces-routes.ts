import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DetectFaces } from '../../../../application/use-cases/detect-faces';
import { faceToJson } from '../../../../domain/face-json';
import type { ApiRouteContext } from '../api-context';
import { errorResponses } from '../schemas/error-responses';
import { FaceJson } from '../schemas/face';
import { imageBytes, singleImageBody, type SingleImageBody } from '../schemas/image-body';

export const DetectResponse = Type.Object(
  {
    width: Type.Integer({ description: 'Width of the decoded image (after EXIF orientation), pixels.' }),
    height: Type.Integer({ description: 'Height of the decoded image, pixels.' }),
    faces: Type.Array(FaceJson, { description: 'Every face found, with its quality; no embedding.' }),
  },
  { description: 'The faces of the image.' },
);
type DetectResponse = Static<typeof DetectResponse>;

export interface FacesRoutesOptions extends ApiRouteContext {
  readonly detectFaces: DetectFaces;
}

/** /v1/faces/*: face detection on an image sent with the request. */
export function facesRoutes(app: FastifyInstance, options: FacesRoutesOptions): void {
  app.post<{ Body: SingleImageBody; Reply: DetectResponse }>(
    '/faces/detect',
    {
      schema: {
        tags: ['faces'],
        operationId: 'detectFaces',
        summary: 'Detect the faces of an image',
        description:
          'Every face of the image with its box, detector score, five landmarks and quality verdict, in the JSON form of the stream results. ' +
          'The image is a base64 string in JSON (`{"image": "…"}`) or a multipart file field `image`.',
        body: singleImageBody,
        response: { 200: DetectResponse, ...errorResponses(['payload_too_large', 'image_decode_error', 'invalid_image']) },
      },
    },
    async (request) => {
      const analysis = await options.detectFaces.execute(imageBytes(request.body.image), {
        signal: options.abandoned(request),
        instrumentation: options.instrumentation(request),
      });
      return { width: analysis.width, height: analysis.height, faces: analysis.faces.map((face) => faceToJson(face) as FaceJson) };
    },
  );
}
