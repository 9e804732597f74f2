import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createCoreApp, type App } from '../../sdk/core/app.js';
import type { QueueOptions } from '../../sdk/core/options.js';
import { provisionLocalResources, type ProvisionedQueue } from '../../sdk/dev/provision.js';

/** An app's queues and results table on the emulator, made for one test file (or one test). */
export interface ThrowawayResources {
  readonly app: App;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The provisioned queues, by logical name. */
  readonly queues: ReadonlyMap<string, ProvisionedQueue>;
  /** Deletes the queues, their dead-letter queues and the table, and closes the clients. */
  dispose(): Promise<void>;
}

/** A unique app name, `<prefix>-<10 hex chars>`, so parallel files never share resources. */
export function uniqueAppName(prefix = 'conf'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * Provisions a throwaway app (`conf-<random>`) with `provisionLocalResources`, as `npm run dev` does.
 * Call `useEmulatorEnv()` first so the clients reach the emulator.
 * @example
 * const resources = await provisionThrowawayApp();
 * afterAll(() => resources.dispose());
 */
export async function provisionThrowawayApp(queues: Readonly<Record<string, QueueOptions>> = { default: {} }): Promise<ThrowawayResources> {
  const app = createCoreApp({ name: uniqueAppName(), queues });
  const sqs = new SQSClient({});
  const dynamodb = new DynamoDBClient({});
  const provisioned = await provisionLocalResources(app, { sqs, dynamodb });
  return {
    app,
    sqs,
    dynamodb,
    queues: new Map(provisioned.map((q) => [q.name, q])),
    async dispose() {
      await Promise.allSettled([
        ...provisioned.flatMap((q) => [q.url, q.deadLetterUrl].map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl })))),
        dynamodb.send(new DeleteTableCommand({ TableName: app.resultsTableName })),
        dynamodb.send(new DeleteTableCommand({ TableName: app.listingTableName })),
      ]);
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}

/**
 * True when `endpoint` is a moto server (it serves moto's dashboard at `/moto-api/`). Moto serves requests on
 * several threads and evaluates a DynamoDB condition and applies the write without a per-item lock,
 * so concurrent conditional writes to one item can all succeed there, unlike on DynamoDB.
 */
export async function isMotoEndpoint(endpoint: string): Promise<boolean> {
  // moto's dashboard page: small and constant (unlike /moto-api/data.json, which dumps every resource
  // and grows slow as a test run fills the emulator).
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const response = await fetch(`${endpoint.replace(/\/+$/, '')}/moto-api/`, { signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      return response.ok && /<title>\s*Moto/i.test(text);
    } catch {
      // slow or refused: try again
    }
  }
  return false;
}
