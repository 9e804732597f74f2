import { DeleteItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { DynamoDbTaskIndex } from '../../sdk/aws/dynamodb-task-index.js';
import { decodeListingItem, type ListingItem } from '../../sdk/aws/task-listing-item.js';
import { TaskState } from '../../sdk/core/states.js';
import { createApp } from '../../sdk/index.js';
import { claimRequest, newTaskId, taskRecord } from '../fixtures/records.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

const RUNNING_AFTER_MS = 300;

describe('the listing table: one item per batch, read back as the records are now (on the emulator)', () => {
  let res: ThrowawayResources;
  let backend: DynamoDbResultBackend;
  let index: DynamoDbTaskIndex;

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp();
    backend = new DynamoDbResultBackend({
      client: res.dynamodb,
      tableName: res.app.resultsTableName,
      listingTableName: res.app.listingTableName,
      listRunningAfterMs: RUNNING_AFTER_MS,
    });
    index = new DynamoDbTaskIndex({ client: res.dynamodb, tableName: res.app.resultsTableName, listingTableName: res.app.listingTableName });
  }, 120_000);
  afterAll(() => res?.dispose());

  const items = async (): Promise<ListingItem[]> =>
    ((await res.dynamodb.send(new ScanCommand({ TableName: res.app.listingTableName }))).Items ?? []).map((item) => decodeListingItem(item));
  const itemsListing = async (ids: readonly string[]) => (await items()).filter((item) => item.entries.some((e) => ids.includes(e.id)));
  const listedIds = async (query: Parameters<DynamoDbTaskIndex['list']>[0] = {}) => (await index.list({ limit: 200, ...query })).tasks.map((t) => t.id);

  it('writes the tasks of a batch as one item when the batch closes, none before', async () => {
    const close = backend.openBatch();
    const now = new Date();
    const ids = Array.from({ length: 10 }, () => newTaskId('batch'));
    await Promise.all(
      ids.map(async (id, i) => {
        await backend.claim(claimRequest({ id, now }));
        await backend.save(taskRecord({ id, dateStarted: now, dateDone: new Date(now.getTime() + i) }));
      }),
    );
    expect(await itemsListing(ids)).toEqual([]);
    await close();
    const written = await itemsListing(ids);
    expect(written).toHaveLength(1);
    expect(written[0]!.entries.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(new Set(written[0]!.entries.map((e) => e.state))).toEqual(new Set([TaskState.SUCCESS]));
    // Newest first inside the item, and the item sorted at its newest entry.
    expect(written[0]!.entries.map((e) => e.id)).toEqual([...ids].reverse());
    expect(Number(written[0]!.at.slice(0, 13))).toBe(now.getTime() + 9);
    const listed = await listedIds();
    for (const id of ids) expect(listed).toContain(id);
  });

  it('lists a task still running after runningAfterMs as STARTED, then as it ended, and shows it once', async () => {
    const close = backend.openBatch();
    const id = newTaskId('long');
    const now = new Date();
    await backend.claim(claimRequest({ id, now }));
    await eventually(async () => ((await itemsListing([id])).length === 1 ? true : undefined), 5_000, 'the running entry');
    expect((await itemsListing([id]))[0]!.entries).toEqual([expect.objectContaining({ id, state: TaskState.STARTED })]);
    expect((await index.list({ states: [TaskState.STARTED], limit: 200 })).tasks.map((t) => t.id)).toContain(id);
    await backend.save(taskRecord({ id, dateStarted: now, dateDone: new Date() }));
    // Before the batch closes, the record has moved on: the task is shown as it is now, once.
    expect((await index.list({ limit: 200 })).tasks.filter((t) => t.id === id)).toEqual([expect.objectContaining({ state: TaskState.SUCCESS })]);
    expect(await listedIds({ states: [TaskState.STARTED] })).not.toContain(id);
    await close();
    expect(await itemsListing([id])).toHaveLength(2);
    const page = await index.list({ limit: 200 });
    expect(page.tasks.filter((t) => t.id === id)).toEqual([expect.objectContaining({ state: TaskState.SUCCESS })]);
  });

  it('with overlapping batches, each close writes the tasks that finished; the last writes the rest', async () => {
    const first = backend.openBatch();
    const second = backend.openBatch();
    const [done, running] = [newTaskId('done'), newTaskId('running')];
    const now = new Date();
    await backend.claim(claimRequest({ id: done, now }));
    await backend.claim(claimRequest({ id: running, now }));
    await backend.save(taskRecord({ id: done, dateStarted: now, dateDone: now }));
    await first();
    const afterFirst = await itemsListing([done, running]);
    expect(afterFirst.flatMap((item) => item.entries.map((e) => e.id))).toEqual([done]);
    await second();
    expect((await itemsListing([done, running])).flatMap((item) => item.entries.map((e) => e.id)).sort()).toEqual([done, running].sort());
  });

  it('pages skip an older entry of a task whose record moved on long ago (a retry listed again), and forgotten tasks', async () => {
    const id = newTaskId('retried');
    const gone = newTaskId('gone');
    const old = new Date(Date.now() - 3_600_000);
    await backend.save(taskRecord({ id, state: TaskState.RETRY, result: undefined, dateStarted: old, dateDone: undefined }));
    await backend.save(taskRecord({ id: gone, dateStarted: old, dateDone: old }));
    await backend.save(taskRecord({ id, dateStarted: new Date(old.getTime() + 1_000), dateDone: new Date(old.getTime() + 2_000) }));
    await backend.forget(gone);
    const listed = await listedIds({ since: new Date(old.getTime() - 1) });
    expect(listed.filter((x) => x === id)).toHaveLength(1);
    expect(listed).not.toContain(gone);
    // Page by page, one task a page: the RETRY entry (on a later page than the SUCCESS one) is not shown again.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.list({ since: new Date(old.getTime() - 1), until: new Date(old.getTime() + 10_000), limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.tasks.map((t) => `${t.id}:${t.state}`));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([`${id}:SUCCESS`]);
  });

  it('lists a revoke made outside a worker at once, and a custom state set while running', async () => {
    const revoked = newTaskId('revoked');
    await backend.revoke({ id: revoked, reason: 'not needed', terminate: false, now: new Date(), expiresAt: Math.ceil(Date.now() / 1000) + 3600 });
    expect(await listedIds({ states: [TaskState.REVOKED] })).toContain(revoked);
    const close = backend.openBatch();
    const exporting = newTaskId('export');
    await backend.claim(claimRequest({ id: exporting, now: new Date(), task: 'exports.users' }));
    expect(await backend.updateState(exporting, 'PROGRESS', { current: 1, total: 3 })).toBe(true);
    await close();
    const progress = await index.list({ states: ['PROGRESS'], name: 'exports.*' });
    expect(progress.tasks.map((t) => t.id)).toEqual([exporting]);
  });

  it('skips a listing item it cannot read, and says what to do when the listing table is missing', async () => {
    await res.dynamodb.send(
      new PutItemCommand({
        TableName: res.app.listingTableName,
        Item: { shard: { S: 's0' }, at: { S: '9999999999998#x#0' }, e: { B: new Uint8Array([1, 2, 3]) } },
      }),
    );
    await expect(index.list({ limit: 5 })).resolves.toMatchObject({ tasks: expect.any(Array) });
    await res.dynamodb.send(new DeleteItemCommand({ TableName: res.app.listingTableName, Key: { shard: { S: 's0' }, at: { S: '9999999999998#x#0' } } }));
    const missing = new DynamoDbTaskIndex({ client: res.dynamodb, tableName: res.app.resultsTableName, listingTableName: 'no-such-listing' });
    await expect(missing.list({})).rejects.toThrow(/no-such-listing.*cdk deploy.*celeriac dev/);
  });
});

describe('the worker lists a batch in one write, and a failed listing write loses no task', () => {
  let h: Harness;
  const app = createApp({ name: uniqueAppName('listing') });
  const add = app.task('math.add', async (x: number, y: number) => x + y);

  beforeAll(async () => {
    useEmulatorEnv();
    h = await createHarness(app);
  }, 120_000);
  afterAll(() => h?.dispose());

  it('ten tasks sent before the worker starts: one listing item lists them all', async () => {
    const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => add.delay(i, i)));
    h.startWorker({ concurrency: 1 });
    for (const [i, result] of sent.entries()) expect(await result.get({ timeoutMs: 20_000 })).toBe(2 * i);
    const listed = await eventually(async () => {
      const all = ((await h.dynamodb.send(new ScanCommand({ TableName: app.listingTableName }))).Items ?? []).map((item) => decodeListingItem(item));
      return all.flatMap((item) => item.entries).length >= 10 ? all : undefined;
    }, 5_000);
    expect(listed.length).toBeLessThanOrEqual(2);
    await h.stopWorker();
  });

  it('with the listing table gone, tasks still run and their records are written; the worker logs listing-failed', async () => {
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    await h.dynamodb.send(new DeleteTableCommand({ TableName: app.listingTableName }));
    const result = await add.delay(20, 22);
    h.startWorker({ concurrency: 1 });
    expect(await result.get({ timeoutMs: 20_000 })).toBe(42);
    const failed = await eventually(() => h.events.find((e) => e.type === 'listing-failed'), 10_000, 'listing-failed');
    expect(failed).toMatchObject({ error: { message: expect.stringMatching(/listing.*does not exist.*cdk deploy/) } });
    await h.stopWorker();
  });
});
