import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Cheaper password hashing in tests only (see src/auth/passwords.ts).
    env: { NEXUS_SCRYPT_LOG2N: '14' },
    coverage: {
      provider: 'v8',
      // The seed's target: 85 % of src/ (the console in web/ is covered by component and Chromium tests).
      include: ['src/**/*.ts'],
      // Entry points that only wire a process together (their parts are tested directly), and the
      // snapshot worker, which runs in worker threads that V8 coverage of the test process cannot
      // see; every backup test exercises it.
      exclude: ['src/server/main.ts', 'src/cli/main.ts', 'src/backup/snapshot-worker.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 85 },
    },
  },
});
