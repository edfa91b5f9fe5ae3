import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{generated,packages,scripts}/**/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
