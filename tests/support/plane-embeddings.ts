import { l2Normalise } from '../../src/domain/embedding';

/** A unit vector at `degrees` in the plane: the cosine of two such vectors is the cosine of their angle. */
export const at = (degrees: number): Float32Array => {
  const r = (degrees * Math.PI) / 180;
  return l2Normalise([Math.cos(r), Math.sin(r)]);
};

/** The similarity of at(a) and at(a + degrees). */
export const cos = (degrees: number): number => Math.cos((degrees * Math.PI) / 180);
