import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_SCHEMA } from '../../../src/infrastructure/config/config';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('documents every environment variable the service reads', () => {
    const undocumented = Object.keys(CONFIG_SCHEMA).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('starts with the three newcomer commands: set up, run, test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((line) => line.split('#')[0]?.trim()).filter(Boolean);
    expect(commands).toEqual(['npm ci', 'npm start', 'npm test']);
  });

  it('names the result schema file that exists', () => {
    expect(readme).toContain('docs/schemas/faces-detected.v1.json');
    expect(() => JSON.parse(readFileSync(join(root, 'docs', 'schemas', 'faces-detected.v1.json'), 'utf8'))).not.toThrow();
  });
});
