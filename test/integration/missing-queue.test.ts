import { describe, expect, it } from 'vitest';
import { createApp, EnqueueError, ErrorCode, QueueNotFoundError } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { uniqueAppName } from '../helpers/worker-harness.js';

useEmulatorEnv();

describe('enqueue to a queue that was never provisioned', () => {
  it('rejects with the broker’s own code and a QueueNotFoundError cause saying to deploy or run celeriac dev', async () => {
    const app = createApp({ name: uniqueAppName('noqueue'), queues: { default: {} } });
    const ping = app.task('t.ping', async () => 'pong');
    const error = await ping.delay().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueError);
    expect((error as EnqueueError).code).toBe(ErrorCode.ENQUEUE_FAILED);
    expect((error as EnqueueError).brokerCode).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    expect((error as EnqueueError).cause).toBeInstanceOf(QueueNotFoundError);
    expect((error as EnqueueError).message).toMatch(/was not found .*deploy the stack \(cdk deploy\), or run `celeriac dev`/);
    await app.close();
  });
});
