import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsTransport, DynamoDbResultBackend } from '../../sdk/aws/index.js';
import { provisionLocalResources } from '../../sdk/dev/index.js';
import { createApp, TaskState } from '../../sdk/index.js';
import { now, removeAppResources, type BenchContext } from './context.js';
import { median } from './report.js';

/** Median latency of DynamoDB writes on the endpoint, each alone (one after another), in ms. */
export interface WriteLatencies {
  /** A Celery-sized result `PutItem` (id, status, result, date). */
  readonly plainPut: number;
  /** An `UpdateItem` with one SET action. */
  readonly oneActionUpdate: number;
  /** celeriac's claim of a first delivery: a conditional `PutItem` of the STARTED record. */
  readonly claim: number;
  /** celeriac's claim of a redelivery: a conditional `UpdateItem` setting the state, lease, times and listing columns. */
  readonly reclaim: number;
  /** celeriac's result: a `PutItem` of the SUCCESS record. */
  readonly resultPut: number;
}

/**
 * Times the DynamoDB writes the end-to-end systems make, one at a time, on the current endpoint:
 * where an emulator's cost per write differs by write shape, this shows it.
 */
export async function measureWriteLatencies(ctx: BenchContext, samples = 60): Promise<WriteLatencies> {
  const app = createApp({ name: `${ctx.prefix}-e2e-writes` });
  app.task('bench.noop', async () => null);
  const sqs = new SQSClient({});
  const dynamodb = new DynamoDBClient({});
  const queues = await provisionLocalResources(app, { sqs, dynamodb });
  app.useTransport(awsTransport(app, { sqs, dynamodb }));
  const table = app.resultsTableName;
  // The record writes alone: no listing (the worker lists a batch in one write when it ends) and no
  // batching (each write is timed alone).
  const records = new DynamoDbResultBackend({ client: dynamodb, tableName: table, batchWriteLingerMs: 0 });
  const time = async (write: (i: number) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      await write(i);
      ms.push(now() - t0);
    }
    return median(ms);
  };
  try {
    const id = (kind: string, i: number) => `${kind}-${i}-${randomUUID()}`;
    const date = () => ({ S: new Date().toISOString() });
    const plainPut = await time((i) =>
      dynamodb.send(
        new PutItemCommand({ TableName: table, Item: { id: { S: id('p', i) }, status: { S: 'SUCCESS' }, result: { S: 'null' }, date_done: date() } }),
      ),
    );
    const oneActionUpdate = await time((i) =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { S: id('u', i) } },
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'SUCCESS' } },
        }),
      ),
    );
    const ids = Array.from({ length: samples }, (_, i) => id('c', i));
    const claimOf = (taskId: string, firstDelivery: boolean) =>
      records.claim({
        id: taskId,
        task: 'bench.noop',
        queue: 'default',
        now: new Date(),
        leaseUntil: new Date(Date.now() + 60_000),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        monitoring: { argsRepr: '[]', kwargsRepr: '{}', sentAt: new Date(), workerId: 'bench' },
        firstDelivery,
      });
    const claim = await time((i) => claimOf(ids[i]!, true));
    const reclaim = await time((i) => claimOf(id('r', i), false));
    const resultPut = await time((i) =>
      records.save({
        id: ids[i]!,
        task: 'bench.noop',
        queue: 'default',
        state: TaskState.SUCCESS,
        result: null,
        retries: 0,
        dateStarted: new Date(),
        dateDone: new Date(),
        sentAt: new Date(),
        argsRepr: '[]',
        kwargsRepr: '{}',
        runtimeMs: 0,
        workerId: 'bench',
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      }),
    );
    return { plainPut, oneActionUpdate, claim, reclaim, resultPut };
  } finally {
    await app.close();
    await removeAppResources(app, queues, sqs, dynamodb);
  }
}
