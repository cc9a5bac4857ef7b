import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { faceToJson } from '../../domain/face-json';
import { readImageFile, UsageError, type CommandOutput } from './output';

export async function detectCommand(analyze: AnalyzeFaces, args: readonly string[], output: CommandOutput): Promise<number> {
  const [path] = args;
  if (!path || args.length !== 1) throw new UsageError('detect takes exactly one image');
  const [outcome] = await analyze.execute([await readImageFile(path)]);
  if (!outcome?.ok) throw outcome?.error;
  const { width, height, faces } = outcome.value;
  output.json({ image: path, width, height, faces_count: faces.length, faces: faces.map((f) => faceToJson(f)) });
  return 0;
}
