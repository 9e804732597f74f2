import type { TestProject } from 'vitest/node';
import { applyLocalAwsEnv, startEmulator, type RunningEmulator } from '../../sdk/dev/emulator/index.js';
import { ensureLocalStackInstalled, startLocalStack, type RunningLocalStack } from '../helpers/localstack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** LocalStack's gateway, which `AWS_ENDPOINT_URL_SQS` points at in this run. */
    sqsEndpoint: string;
  }
}

let localstack: RunningLocalStack | undefined;
let moto: RunningEmulator | undefined;

/**
 * Vitest globalSetup of `npm run test:localstack`: installs and starts LocalStack (SQS only) and the
 * embedded moto emulator side by side; the AWS SDK sends SQS calls to LocalStack
 * (`AWS_ENDPOINT_URL_SQS`) and everything else to moto (`AWS_ENDPOINT_URL`).
 *
 * @throws {Error} when either cannot be installed or started.
 */
export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  await ensureLocalStackInstalled();
  [localstack, moto] = await Promise.all([startLocalStack({ services: ['sqs'] }), startEmulator()]);
  applyLocalAwsEnv(moto.endpoint);
  process.env.AWS_ENDPOINT_URL_SQS = localstack.endpoint;
  project.provide('awsEndpoint', moto.endpoint);
  project.provide('sqsEndpoint', localstack.endpoint);
  process.stderr.write(
    `celeriac: SQS on LocalStack ${localstack.endpoint} (pid ${localstack.pid}), DynamoDB and Scheduler on moto ${moto.endpoint} (ready in ${Date.now() - started} ms)\n`,
  );
}

/** Stops both, by PID (LocalStack: SIGKILL after a short grace). */
export async function teardown(): Promise<void> {
  await Promise.all([localstack?.stop(), moto?.stop()]);
}
