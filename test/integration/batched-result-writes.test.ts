import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { TaskState } from '../../sdk/core/states.js';
import { createApp } from '../../sdk/index.js';
import { claimRequest, failedRecord, newTaskId, taskRecord } from '../fixtures/records.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { countRequests, createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

/** Items of each `BatchWriteItem` a client sent, in order. */
function batchSizes(client: ThrowawayResources['dynamodb']): number[] {
  const sizes: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName === 'BatchWriteItemCommand') {
        const items = Object.values((args.input as { RequestItems: Record<string, unknown[]> }).RequestItems);
        sizes.push(items.reduce((n, list) => n + list.length, 0));
      }
      return next(args);
    },
    { step: 'initialize', name: 'batchSizes' },
  );
  return sizes;
}

describe('result writes of a batch share BatchWriteItem requests (on the emulator)', () => {
  let res: ThrowawayResources;
  let backend: DynamoDbResultBackend;
  let counts: Map<string, number>;
  let sizes: number[];

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp();
    counts = countRequests(res.dynamodb);
    sizes = batchSizes(res.dynamodb);
    backend = new DynamoDbResultBackend({ client: res.dynamodb, tableName: res.app.resultsTableName, batchWriteLingerMs: 50 });
  }, 120_000);
  afterAll(() => res?.dispose());

  const raw = async (id: string) =>
    (await res.dynamodb.send(new GetItemCommand({ TableName: res.app.resultsTableName, Key: { id: { S: id } }, ConsistentRead: true }))).Item;

  it('writes ten records saved together in one request, each readable once its save resolves', async () => {
    const close = backend.openBatch();
    const before = { batches: sizes.length, puts: counts.get('PutItemCommand') ?? 0 };
    const ids = Array.from({ length: 10 }, () => newTaskId('batched'));
    await Promise.all(
      ids.map(async (id, i) => {
        await backend.save(taskRecord({ id, result: i }));
        // Resolved means written: a strongly consistent read sees it at once.
        expect((await backend.get(id))?.result).toBe(i);
      }),
    );
    expect(sizes.slice(before.batches)).toEqual([10]);
    expect((counts.get('PutItemCommand') ?? 0) - before.puts).toBe(0);
    await close();
  });

  it('splits more than 25 records into requests of at most 25', async () => {
    const close = backend.openBatch();
    const before = sizes.length;
    const ids = Array.from({ length: 30 }, () => newTaskId('many'));
    await Promise.all(ids.map((id) => backend.save(taskRecord({ id }))));
    expect(sizes.slice(before)).toEqual([25, 5]);
    for (const id of ids) expect(await raw(id)).toBeDefined();
    await close();
  });

  it('does not hold a lone record until the batch closes: the linger sends it', async () => {
    const close = backend.openBatch();
    const id = newTaskId('lone');
    // Awaited with the batch still open: were the record held until close, this would never resolve.
    await backend.save(taskRecord({ id }));
    expect((await backend.get(id))?.state).toBe(TaskState.SUCCESS);
    await close();
  });

  it('keeps two writes of one task in order (a key twice never shares a request)', async () => {
    const close = backend.openBatch();
    const id = newTaskId('twice');
    const before = sizes.length;
    await Promise.all([backend.save(taskRecord({ id, result: 'first' })), backend.save(taskRecord({ id, result: 'second' }))]);
    expect(sizes.slice(before)).toEqual([1, 1]);
    expect((await backend.get(id))?.result).toBe('second');
    await close();
  });

  it('fails only the record DynamoDB refuses: an over-large item is sent alone, its neighbours are written', async () => {
    const close = backend.openBatch();
    const good = Array.from({ length: 3 }, () => newTaskId('neighbour'));
    const bad = newTaskId('too-large');
    // A FAILURE record without a result is not refused up front: DynamoDB refuses it (over 400 KB).
    const huge = failedRecord({ id: bad, error: { type: 'Error', message: 'x', stack: 'y'.repeat(450_000) } });
    const outcomes = await Promise.allSettled([...good.map((id) => backend.save(taskRecord({ id }))), backend.save(huge)]);
    expect(outcomes.slice(0, 3).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { code: 'BACKEND_FAILED', message: expect.stringContaining(bad) } });
    for (const id of good) expect((await backend.get(id))?.state).toBe(TaskState.SUCCESS);
    await close();
  });

  it('writes each record with its own PutItem outside a batch, and claims always with their own conditional write', async () => {
    const before = { batches: sizes.length, puts: counts.get('PutItemCommand') ?? 0 };
    const id = newTaskId('alone');
    await backend.claim(claimRequest({ id, now: new Date() }));
    await backend.save(taskRecord({ id }));
    expect(sizes.length).toBe(before.batches);
    expect((counts.get('PutItemCommand') ?? 0) - before.puts).toBe(2);
  });

  it('given the batch size, sends as soon as every message saved its record, without waiting out the linger', async () => {
    // A linger of a minute: only the size rule can send these before the test times out.
    const sized = new DynamoDbResultBackend({ client: res.dynamodb, tableName: res.app.resultsTableName, batchWriteLingerMs: 60_000 });
    const before = sizes.length;
    const close = sized.openBatch(3);
    const ids = Array.from({ length: 3 }, () => newTaskId('sized'));
    await Promise.all(ids.map((id) => sized.save(taskRecord({ id }))));
    await close();
    // A batch of one task: its record is not held at all.
    const closeOne = sized.openBatch(1);
    const lone = newTaskId('sized-lone');
    await sized.save(taskRecord({ id: lone }));
    await closeOne();
    expect(sizes.slice(before)).toEqual([3, 1]);
    for (const id of [...ids, lone]) expect((await sized.get(id))?.state).toBe(TaskState.SUCCESS);
  });

  it('with batchWriteLingerMs: 0, writes each record with its own PutItem even in a batch', async () => {
    const single = new DynamoDbResultBackend({ client: res.dynamodb, tableName: res.app.resultsTableName, batchWriteLingerMs: 0 });
    const close = single.openBatch();
    const before = { batches: sizes.length, puts: counts.get('PutItemCommand') ?? 0 };
    await Promise.all(Array.from({ length: 3 }, () => single.save(taskRecord({ id: newTaskId('unbatched') }))));
    expect(sizes.length).toBe(before.batches);
    expect((counts.get('PutItemCommand') ?? 0) - before.puts).toBe(3);
    await close();
  });
});

describe('the worker: a batch of ten tasks, one BatchWriteItem for their results (on the emulator)', () => {
  const app = createApp({ name: uniqueAppName('batchw') });
  const add = app.task('math.add', async (x: number, y: number) => x + y);
  let h: Harness;
  let sizes: number[];

  beforeAll(async () => {
    useEmulatorEnv();
    h = await createHarness(app);
    sizes = batchSizes(h.dynamodb);
  }, 120_000);
  afterAll(() => h?.dispose());

  it('sends ten, runs them as one batch, and writes their ten results in at most a few requests', async () => {
    const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => add.delay(i, i)));
    h.startWorker({ concurrency: 1 });
    expect(await Promise.all(sent.map((r) => r.get({ timeoutMs: 20_000, intervalMs: 100 })))).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
    await eventually(() => (sizes.reduce((a, b) => a + b, 0) >= 10 ? true : undefined), 5_000, 'the result writes');
    // All ten results went through BatchWriteItem; the emulator answers claims at different times, so
    // they may come in more than one request, never one request a task.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(sizes.length).toBeLessThan(10);
    await h.stopWorker();
  });
});
