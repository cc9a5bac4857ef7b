import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { mostCentralFace } from '../../domain/detection';
import { FaceNotDetected } from '../../domain/errors';
import { verify } from '../../domain/identity';
import { readImageFile, UsageError, type CommandOutput } from './output';

export async function compareCommand(
  analyze: AnalyzeFaces,
  args: readonly string[],
  threshold: number,
  output: CommandOutput,
): Promise<number> {
  if (args.length !== 2) throw new UsageError('compare takes exactly two images');
  const outcomes = await analyze.execute(await Promise.all(args.map(readImageFile)));
  const subjects = outcomes.map((outcome, i) => {
    const path = args[i] as string;
    if (!outcome.ok) throw outcome.error;
    const embeddable = outcome.value.faces.filter((f) => f.embedding !== undefined);
    const subject = mostCentralFace(embeddable, outcome.value.width, outcome.value.height);
    if (!subject?.embedding) {
      const rejected = outcome.value.faces.map((f) => f.quality.reason).join(', ');
      throw new FaceNotDetected(
        outcome.value.faces.length === 0 ? `no face found in ${path}` : `no face in ${path} passed the quality gate (${rejected})`,
        { image: path, faces: outcome.value.faces.length },
      );
    }
    return subject.embedding;
  });
  const result = verify(subjects[0] as Float32Array, subjects[1] as Float32Array, threshold);
  output.json({ images: args, similarity: Number(result.similarity.toFixed(4)), threshold, same: result.same });
  return 0;
}
