import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../../sdk/lambda/index.js';
import { LocalRuntime } from '../../sdk/dev/local-runtime.js';
import { provisionLocalResources, type ProvisionedQueue } from '../../sdk/dev/provision.js';
import { awsTransport } from '../../sdk/aws/transport.js';
import type { App } from '../../sdk/core/app.js';
import type { WorkerEvent } from '../../sdk/worker/events.js';

/** A unique app name for one test file, so resources never collide. */
export function uniqueAppName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Counts the AWS requests a client makes, by command name (real requests, counted in the SDK's middleware). */
export function countRequests(client: SQSClient | DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  (client as SQSClient).middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `countRequests-${randomBytes(3).toString('hex')}` },
  );
  return counts;
}

/** An app's resources on the emulator and, once `startWorker()` is called, the local runtime feeding its worker. */
export interface Harness {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly queues: readonly ProvisionedQueue[];
  readonly events: WorkerEvent[];
  queue(name: string): ProvisionedQueue;
  startWorker(options?: { concurrency?: number }): void;
  stopWorker(): Promise<void>;
  /** Receives every message currently in a queue's DLQ (long-polls up to `waitSeconds`). */
  deadLetters(queue: string, expected: number, waitSeconds?: number): Promise<Message[]>;
  dispose(): Promise<void>;
}

/** Provisions `app` on the emulator and wires its transport to it. */
export async function createHarness(app: App): Promise<Harness> {
  const sqs = new SQSClient({});
  const dynamodb = new DynamoDBClient({});
  app.useTransport(awsTransport(app, { sqs, dynamodb }));
  const queues = await provisionLocalResources(app, { sqs, dynamodb });
  const events: WorkerEvent[] = [];
  let runtime: LocalRuntime | undefined;
  const queue = (name: string) => {
    const found = queues.find((q) => q.name === name);
    if (!found) throw new Error(`no queue ${name}`);
    return found;
  };
  return {
    sqs,
    dynamodb,
    queues,
    events,
    queue,
    startWorker(options = {}) {
      const handler = createWorkerHandler(app, { log: (event) => events.push(event) });
      runtime = new LocalRuntime({ app, sqs, handler, queues, concurrency: options.concurrency ?? 2, log: () => undefined });
      runtime.start();
    },
    async stopWorker() {
      await runtime?.stop();
      runtime = undefined;
    },
    async deadLetters(name, expected, waitSeconds = 10) {
      const url = queue(name).deadLetterUrl;
      const found = new Map<string, Message>();
      const deadline = Date.now() + waitSeconds * 1000;
      while (found.size < expected && Date.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], VisibilityTimeout: 60 }),
        );
        for (const m of out.Messages ?? []) found.set(m.MessageId!, m);
      }
      return [...found.values()];
    },
    async dispose() {
      await runtime?.stop();
      await app.close();
      for (const q of queues) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: q.url })).catch(() => undefined);
        await sqs.send(new DeleteQueueCommand({ QueueUrl: q.deadLetterUrl })).catch(() => undefined);
      }
      await dynamodb.send(new DeleteTableCommand({ TableName: app.resultsTableName })).catch(() => undefined);
      await dynamodb.send(new DeleteTableCommand({ TableName: app.listingTableName })).catch(() => undefined);
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
