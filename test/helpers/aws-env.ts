import { inject } from 'vitest';
import { applyLocalAwsEnv } from '../../sdk/dev/emulator/index.js';

/**
 * Points the AWS SDK in this test worker at the emulator started by `test/global-setup.ts`
 * (sets AWS_ENDPOINT_URL plus dummy credentials/region) and returns the endpoint.
 *
 * @throws {Error} when no endpoint was provided (globalSetup not configured).
 * @example
 * const endpoint = useEmulatorEnv();
 * const sqs = new SQSClient({});
 */
export function useEmulatorEnv(): string {
  const endpoint = inject('awsEndpoint');
  if (!endpoint) {
    throw new Error("celeriac: no 'awsEndpoint' was provided; add globalSetup: ['test/global-setup.ts'] to vitest.config.ts");
  }
  applyLocalAwsEnv(endpoint);
  return endpoint;
}
