import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A Kafka broker and the machine's PostgreSQL are started, and Chromium found, once per run (see each file).
    globalSetup: [
      'test/global-setup-kafka.ts',
      'test/global-setup-postgres.ts',
      'test/global-setup-browser.ts',
    ],
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['test/**/*.test.ts', 'detectors/**/*.test.ts'] },
      },
      {
        // The API tests again, over the real PostgreSQL server instead of SQLite.
        extends: true,
        test: {
          name: 'api-postgres',
          include: ['test/api/**/*.test.ts'],
          env: { KEYWATCH_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
