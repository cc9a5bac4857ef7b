import { preparePortraits } from './portraits';

/** Runs once before the integration test files: the face photos every suite can use on a fresh clone. */
export default async function globalSetup(): Promise<void> {
  await preparePortraits();
}
