import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ProvisionedQueue } from '../../sdk/dev/provision.js';
import type { App } from '../../sdk/core/app.js';

/** What every bench gets: the endpoint, a log line sink and a unique prefix for its resources. */
export interface BenchContext {
  /** The AWS endpoint (embedded moto, or `AWS_ENDPOINT_URL`). */
  readonly endpoint: string;
  /** Progress line (stderr). */
  readonly log: (line: string) => void;
  /** Prefix of every resource name this run creates (`bench-<random>`). */
  readonly prefix: string;
  /** SQS endpoints to compare on: moto always, fauxqs when it runs. */
  readonly sqsTargets: readonly SqsTarget[];
}

/** An SQS endpoint, and how to make a client for it (DynamoDB stays on the main endpoint). */
export interface SqsTarget {
  readonly label: string;
  readonly endpoint: string;
  /** A new SQS client for this endpoint, its endpoint already resolved. */
  sqs(): Promise<SQSClient>;
}

/**
 * An SQS target. With `endpoint`, clients are made with `AWS_ENDPOINT_URL_SQS` set, the SDK's
 * per-service endpoint variable, as a user would point SQS elsewhere; the SDK reads it on a client's
 * first request, so one `ListQueues` is sent before the variable is restored.
 */
export function sqsTarget(label: string, endpoint?: string): SqsTarget {
  return {
    label,
    endpoint: endpoint ?? process.env.AWS_ENDPOINT_URL ?? '',
    async sqs() {
      const before = process.env.AWS_ENDPOINT_URL_SQS;
      if (endpoint) process.env.AWS_ENDPOINT_URL_SQS = endpoint;
      try {
        // fauxqs names queues on a host that does not resolve: send to the endpoint, not the queue URL's host.
        const client = new SQSClient({ requestHandler: { socketAcquisitionWarningTimeout: 120_000 }, ...(endpoint ? { useQueueUrlAsEndpoint: false } : {}) });
        await client.send(new ListQueuesCommand({ MaxResults: 1 }));
        return client;
      } finally {
        if (before === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
        else process.env.AWS_ENDPOINT_URL_SQS = before;
      }
    },
  };
}

/** A short random suffix. */
export function shortId(): string {
  return randomUUID().slice(0, 8);
}

/** Milliseconds since an origin, high resolution. */
export const now = (): number => performance.now();

/** Deletes an app's queues and table (best effort). */
export async function removeAppResources(app: App, queues: readonly ProvisionedQueue[], sqs: SQSClient, dynamodb: DynamoDBClient): Promise<void> {
  for (const q of queues) {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: q.url })).catch(() => undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: q.deadLetterUrl })).catch(() => undefined);
  }
  await dynamodb.send(new DeleteTableCommand({ TableName: app.resultsTableName })).catch(() => undefined);
  await dynamodb.send(new DeleteTableCommand({ TableName: app.listingTableName })).catch(() => undefined);
}

/** Runs `fn` with `n` workers pulling from a shared counter of `total` units. */
export async function withWorkers(total: number, workers: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, workers) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= total) return;
        await fn(index);
      }
    }),
  );
}

/** Rejects after `ms` with a message naming what took too long. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s (raise --timeout)`)), ms);
    }),
  ]);
}

/** New SQS and DynamoDB clients from the environment. */
export function clients(): { sqs: SQSClient; dynamodb: DynamoDBClient } {
  return { sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}) };
}
