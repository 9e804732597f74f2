import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsTransport } from '../../sdk/aws/index.js';
import { createApp, EnqueueError, ErrorCode, type App } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';
import { FaultProxy } from './fault-proxy.js';

const endpoint = useEmulatorEnv();

const name = uniqueAppName('outage');
const runs = new Map<string, number>();
function define(app: App) {
  return app.task('count.run', async (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1).get(key)!);
}
// The producer reaches the endpoint through the fault proxy; the worker (same app, same resources)
// talks to the emulator directly.
const producer = createApp({ name, queues: { default: {} }, worker: { timeoutSeconds: 2 } });
const worker = createApp({ name, queues: { default: {} }, worker: { timeoutSeconds: 2 } });
const count = define(producer);
define(worker);

let proxy: FaultProxy;
let h: Harness;
let sqs: SQSClient;

beforeAll(async () => {
  h = await createHarness(worker);
  proxy = await FaultProxy.start({ target: endpoint });
  sqs = new SQSClient({ endpoint: proxy.endpoint });
  producer.useTransport(awsTransport(producer, { sqs, dynamodb: new DynamoDBClient({ endpoint: proxy.endpoint }) }));
});
afterAll(async () => {
  await producer.close();
  await h?.dispose();
  sqs?.destroy();
  await proxy?.close();
});
beforeEach(() => proxy.clear());

/** Envelopes on the queue whose id is `id` (received and left to come back). */
async function copiesOnQueue(id: string): Promise<number> {
  const copies = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const out = await h.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.queue('default').url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 3 }),
    );
    for (const m of out.Messages ?? []) if ((JSON.parse(m.Body!) as { id: string }).id === id) copies.add(m.MessageId!);
  }
  return copies.size;
}

describe('delay() while the endpoint is down', () => {
  it('rejects every caller with a retryable EnqueueError after the SDK retries, and sends nothing', { timeout: 90_000 }, async () => {
    proxy.cut();
    const outcomes = await Promise.allSettled([count.delay('a'), count.delay('b'), count.delay('c')]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as EnqueueError;
      expect(error).toBeInstanceOf(EnqueueError);
      expect(error).toMatchObject({ code: ErrorCode.ENQUEUE_FAILED, retryable: true });
      expect(error.message).toMatch(/transient: retry with the same taskId/);
    }
    // The SDK tried more than once before giving up (standard retry mode: 3 attempts).
    expect(proxy.stats.connectionsRefused).toBeGreaterThanOrEqual(3);
    proxy.restore();
    const ids = outcomes.map((o) => ((o as PromiseRejectedResult).reason as EnqueueError).taskId);
    for (const id of ids) expect(await copiesOnQueue(id)).toBe(0);
  });

  it('reports a send whose answer was lost as failed (retryable), and a re-send with the same taskId runs once', { timeout: 120_000 }, async () => {
    await count.delay('warm-up'); // the queue URL is looked up and cached
    proxy.set({ dropResponses: true });
    const key = `dropped-${Date.now()}`;
    const error = (await count.delay(key).catch((e: unknown) => e)) as EnqueueError;
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error.retryable).toBe(true);
    proxy.clear();
    // The request did reach the queue (possibly once per SDK attempt): nothing is reported sent that was not.
    expect(await copiesOnQueue(error.taskId)).toBeGreaterThanOrEqual(1);
    const resent = await count.applyAsync([key], { taskId: error.taskId });
    expect(resent.id).toBe(error.taskId);
    h.startWorker();
    await eventually(async () => ((await worker.asyncResult(error.taskId).state()) === 'SUCCESS' ? true : undefined), 60_000, 'the task to succeed');
    // Copies keep arriving for a while (every SDK attempt and the re-send); all are acknowledged unrun.
    await eventually(() => (h.events.filter((e) => e.type === 'duplicate' && e.id === error.taskId).length >= 1 ? true : undefined), 60_000, 'a duplicate');
    expect(runs.get(key)).toBe(1);
  });

  it('answers a throttled call by retrying inside the SDK, so delay() still resolves', async () => {
    proxy.set({ throttleFraction: 0.5 });
    const results: unknown[] = [];
    for (let i = 0; i < 10; i++) results.push(await count.delay(`throttled-${i}`).catch((e: unknown) => e));
    const failed = results.filter((r) => r instanceof EnqueueError) as EnqueueError[];
    // With half the calls throttled, a batch fails only if every attempt was throttled; when it does, it says retryable.
    for (const error of failed) expect(error.retryable).toBe(true);
    expect(proxy.stats.throttled).toBeGreaterThan(0);
  });
});
