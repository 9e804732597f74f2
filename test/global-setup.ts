import type { TestProject } from 'vitest/node';
import { applyLocalAwsEnv, resolveEndpoint, type ResolvedEndpoint } from '../sdk/dev/emulator/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** AWS endpoint every test should talk to (embedded moto, or AWS_ENDPOINT_URL e.g. LocalStack). */
    awsEndpoint: string;
  }
}

let resolved: ResolvedEndpoint | undefined;

/**
 * Vitest globalSetup: starts the embedded AWS emulator (or uses AWS_ENDPOINT_URL) once per run and
 * provides its endpoint to the test workers as `inject('awsEndpoint')`.
 *
 * @throws {Error} when the emulator cannot be installed or started.
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['test/global-setup.ts'] } });
 */
export async function setup(project: TestProject): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const started = Date.now();
  resolved = await resolveEndpoint({ log });
  applyLocalAwsEnv(resolved.endpoint);
  project.provide('awsEndpoint', resolved.endpoint);
  log(
    resolved.embedded
      ? `celeriac: local AWS emulator (moto) listening on ${resolved.endpoint} (ready in ${Date.now() - started} ms)`
      : `celeriac: using AWS_ENDPOINT_URL=${resolved.endpoint}`,
  );
}

/**
 * Vitest globalSetup teardown: stops the embedded emulator, if one was started.
 *
 * @example
 * await teardown();
 */
export async function teardown(): Promise<void> {
  await resolved?.stop();
  resolved = undefined;
}
