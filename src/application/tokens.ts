/** Injection tokens of the application's ports. */
export const TOKENS = {
  ImageDecoder: Symbol.for('ImageDecoder'),
  FaceDetector: Symbol.for('FaceDetector'),
  LandmarkLocator: Symbol.for('LandmarkLocator'),
  FaceAligner: Symbol.for('FaceAligner'),
  FaceEmbedder: Symbol.for('FaceEmbedder'),
  IdentityGallery: Symbol.for('IdentityGallery'),
  PipelineInstrumentation: Symbol.for('PipelineInstrumentation'),
  AnalyzeFacesOptions: Symbol.for('AnalyzeFacesOptions'),
  AnalyzeFaces: Symbol.for('AnalyzeFaces'),
} as const;
