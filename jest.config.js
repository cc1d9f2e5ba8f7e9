/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // TS151002 ("hybrid module kind … isolatedModules") is advice for projects that transpile file by file; tsc checks this one whole.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
  testTimeout: 30000,
  setupFilesAfterEnv: ['<rootDir>/tests/helpers/timeouts.ts'],
  // Redis-backed and browser suites start real servers; two workers fit this 2-core machine.
  maxWorkers: 2,
};
