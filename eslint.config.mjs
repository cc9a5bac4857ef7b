import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'models/', 'node_modules/', 'samples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain is pure: no I/O, no framework, no node: built-ins.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'net'], message: 'src/domain must stay free of I/O.' },
          { group: ['**/application/**', '**/infrastructure/**', '**/composition/**', 'inversify', 'sharp', 'onnxruntime-node', 'ioredis'], message: 'src/domain depends on nothing outside itself.' },
        ],
      }],
    },
  },
  {
    files: ['src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/infrastructure/**', 'sharp', 'onnxruntime-node', 'ioredis', 'undici', 'prom-client', '@opentelemetry/*', 'fastify', '@fastify/*'], message: 'src/application talks to adapters only through its ports.' },
          { group: ['**/composition/**'], message: 'src/application must not import the composition root.' },
        ],
      }],
    },
  },
  {
    // Adapters never reach back into the composition root.
    files: ['src/infrastructure/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main', '**/cli', '**/composition/**'], message: 'src/infrastructure must not import the composition root.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
