/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/tests/unit'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      // Shares the main realm's typed arrays with test files, as onnxruntime-node needs (see the file).
      testEnvironment: '<rootDir>/tests/support/onnx-environment.ts',
      roots: ['<rootDir>/tests/integration'],
      // Cuts the test portraits out of samples/ (npm ci provisions them): no suite needs LFW for faces.
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      transform: { '^.+\\.ts$': tsJest },
      // Integration tests load real ONNX models and start real servers.
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 120000,
  // After Jest's summary: how many tests did not run, and why (tests/support/skip.ts).
  reporters: ['default', '<rootDir>/tests/support/skip-reporter.js'],
  // The domain's 100 % is enforced; the rest is covered by integration tests against real parts.
  collectCoverageFrom: ['src/domain/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    './src/domain/': { lines: 100, branches: 100, functions: 100, statements: 100 },
  },
};
