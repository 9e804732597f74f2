import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Needs LocalStack beside moto: `npm run test:localstack` (vitest.localstack.config.ts).
    exclude: [...configDefaults.exclude, 'test/localstack/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    // The first run installs the local AWS emulator (~40 s).
    hookTimeout: 180_000,
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
