import { GetQueueAttributesCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, currentTask, EnqueueError, ErrorCode, TaskState } from '../../sdk/index.js';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { awsTransport, DEAD_LETTER_ATTRIBUTES } from '../../sdk/aws/index.js';
import { decodeListingItem } from '../../sdk/aws/task-listing-item.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { countRequests, createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

useEmulatorEnv();

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

const app = createApp({
  name: uniqueAppName('flow'),
  queues: { default: {} },
  worker: { timeoutSeconds: 2 },
  errorTypes: [PaymentDeclinedError],
});
const runs = new Map<string, number>();
const ran = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1).get(key)!;

const add = app.task('math.add', async (x: number, y: number) => x + y, { argsSchema: z.tuple([z.number(), z.number()]) });
const charge = app.task('billing.charge', async (orderId: string) => {
  throw new PaymentDeclinedError(`card declined for ${orderId}`);
});
const flaky = app.task('net.flaky', async (key: string) => {
  const attempt = ran(key);
  if (attempt < 3) currentTask().retry({ countdownSeconds: 1, cause: new Error(`attempt ${attempt} timed out`) });
  return { attempt, retries: currentTask().retries };
});
const count = app.task('count.run', async (key: string) => ran(key));
const quiet = app.task('count.quiet', async (key: string) => ran(key), { ignoreResult: true });
const echo = app.task('text.echo', async (text: string) => text.length);
const unlisted = app.task('math.unlisted', async (x: number) => x * 2, { listed: false });

let h: Harness;
let dynamoCounts: Map<string, number>;
/** Item writes (`PutItem`, `UpdateItem`, each item of a `BatchWriteItem`) by table name. */
const tableWrites = new Map<string, number>();

beforeAll(async () => {
  h = await createHarness(app);
  dynamoCounts = countRequests(h.dynamodb);
  h.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = args.input as { TableName?: string; RequestItems?: Record<string, unknown[]> };
      if (input.TableName && (command === 'PutItemCommand' || command === 'UpdateItemCommand'))
        tableWrites.set(input.TableName, (tableWrites.get(input.TableName) ?? 0) + 1);
      // A BatchWriteItem counts one write per item (each is a record write, billed as a PutItem).
      if (command === 'BatchWriteItemCommand')
        for (const [table, items] of Object.entries(input.RequestItems ?? {})) tableWrites.set(table, (tableWrites.get(table) ?? 0) + items.length);
      return next(args);
    },
    { step: 'initialize', name: 'writesByTable' },
  );
  h.startWorker();
});
afterAll(async () => h?.dispose());

describe('delay → worker → result, on the SQS and DynamoDB wire protocols', () => {
  it('returns the typed value of add.delay(4, 4)', async () => {
    const result = await add.delay(4, 4);
    const sum: number = await result.get({ timeoutMs: 15_000, intervalMs: 100 });
    expect(sum).toBe(8);
    expect(await result.state()).toBe(TaskState.SUCCESS);
    expect(await result.dateDone()).toBeInstanceOf(Date);
  });

  it('records FAILURE with the traceback and get() rethrows the error with its type', async () => {
    const result = await charge.delay('order-42');
    const error = await result.get({ timeoutMs: 15_000, intervalMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentDeclinedError);
    expect((error as Error).message).toBe('card declined for order-42');
    expect((error as Error).stack).toContain('task-flow.test.ts');
    expect(await result.state()).toBe(TaskState.FAILURE);
    expect(await result.traceback()).toContain('PaymentDeclinedError: card declined for order-42');
  });

  it('retries through the visibility timeout and succeeds, counting retries', async () => {
    const key = `flaky-${Date.now()}`;
    const result = await flaky.delay(key);
    const seen = await eventually(async () => ((await result.state()) === TaskState.RETRY ? true : undefined), 15_000, 'RETRY');
    expect(seen).toBe(true);
    const value = await result.get({ timeoutMs: 20_000, intervalMs: 100 });
    expect(value).toEqual({ attempt: 3, retries: 2 });
    expect(await result.retries()).toBe(2);
    expect(h.events.filter((e) => e.type === 'retry' && e.id === result.id)).toHaveLength(2);
  });

  it('runs the body once when the same message is delivered twice', async () => {
    const key = `dup-${Date.now()}`;
    const result = await count.delay(key);
    await result.get({ timeoutMs: 15_000, intervalMs: 100 });
    // A redelivery: the very same envelope arrives again.
    const body = JSON.stringify({ v: 1, id: result.id, task: 'count.run', args: [key] });
    await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: body }));
    await eventually(() => h.events.find((e) => e.type === 'duplicate' && e.id === result.id), 15_000, 'the duplicate to be acknowledged');
    expect(runs.get(key)).toBe(1);
  });

  it('puts a duplicate of a running task back until the lease ends, then acknowledges it once finished', async () => {
    const key = `lease-${Date.now()}`;
    const id = `lease-task-${Date.now()}`;
    // Another worker holds the task under a live lease.
    const now = Date.now();
    const backend = app.backend();
    await backend.claim({
      id,
      task: 'count.run',
      queue: 'default',
      now: new Date(now),
      leaseUntil: new Date(now + 3_000),
      expiresAt: Math.ceil(now / 1000) + 600,
    });
    await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: JSON.stringify({ id, task: 'count.run', args: [key] }) }));
    const deferred = await eventually(() => h.events.find((e) => e.type === 'deferred' && e.id === id), 15_000, 'a deferral');
    expect(deferred).toMatchObject({ reason: 'running' });
    expect((deferred as { seconds: number }).seconds).toBeGreaterThanOrEqual(2);
    // The other worker finishes; the copy comes back after the lease and is acknowledged unrun.
    await backend.save({ id, state: TaskState.SUCCESS, task: 'count.run', result: 1, retries: 0, expiresAt: Math.ceil(now / 1000) + 600 });
    await eventually(() => h.events.find((e) => e.type === 'duplicate' && e.id === id), 15_000, 'the deferred copy to be acknowledged');
    expect(runs.get(key)).toBeUndefined();
  });

  it('re-claims and runs a task whose lease lapsed (its first worker died)', async () => {
    const key = `lapsed-${Date.now()}`;
    const id = `lapsed-task-${Date.now()}`;
    const now = Date.now();
    await app.backend().claim({
      id,
      task: 'count.run',
      queue: 'default',
      now: new Date(now - 60_000),
      leaseUntil: new Date(now - 1_000),
      expiresAt: Math.ceil(now / 1000) + 600,
    });
    await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: JSON.stringify({ id, task: 'count.run', args: [key] }) }));
    expect(await app.asyncResult(id).get({ timeoutMs: 15_000, intervalMs: 100 })).toBe(1);
    expect(runs.get(key)).toBe(1);
  });

  it('runs a message hand-written with SendMessage, deriving its id from the SQS message id', async () => {
    const sent = await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: '{"task":"math.add","args":[4,4]}' }));
    const result = app.asyncResult<number>(`sqs-${sent.MessageId}`);
    expect(await result.get({ timeoutMs: 15_000, intervalMs: 100 })).toBe(8);
  });

  it('respects a countdown', async () => {
    const sentAt = Date.now();
    const result = await add.applyAsync([1, 2], { countdownSeconds: 3 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await result.state()).toBe(TaskState.PENDING);
    expect(await result.get({ timeoutMs: 15_000, intervalMs: 100 })).toBe(3);
    const started = (await result.record()).dateStarted!.getTime();
    expect(started - sentAt).toBeGreaterThanOrEqual(2_900);
  });

  it('coalesces 25 concurrent delay() calls into 3 SendMessageBatch requests', async () => {
    const producer = createApp({ name: app.name, queues: { default: {} }, worker: { timeoutSeconds: 2 } });
    const echoed = producer.task('text.echo', async (text: string) => text.length);
    const producerSqs = new SQSClient({});
    const counts = countRequests(producerSqs);
    producer.useTransport(awsTransport(producer, { sqs: producerSqs, dynamodb: h.dynamodb }));
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => echoed.delay('x'.repeat(i))));
    expect(counts.get('SendMessageBatchCommand')).toBe(3);
    const values = await Promise.all(results.map((r) => r.get({ timeoutMs: 20_000, intervalMs: 200 })));
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('spends two record writes on a task with a result, one with ignoreResult, and no reads; the batch is listed in one write', async () => {
    const writes = (table: string) => tableWrites.get(table) ?? 0;
    const workerReads = () => dynamoCounts.get('GetItemCommand') ?? 0;
    const before = { records: writes(app.resultsTableName), listing: writes(app.listingTableName), reads: workerReads() };
    const stored = await add.delay(20, 22);
    const ignored = await quiet.delay(`quiet-${Date.now()}`);
    await eventually(() => h.events.find((e) => e.type === 'succeeded' && e.id === ignored.id), 15_000, 'the ignored task');
    await eventually(() => h.events.find((e) => e.type === 'succeeded' && e.id === stored.id), 15_000, 'the stored task');
    expect(writes(app.resultsTableName) - before.records).toBe(3);
    expect(workerReads() - before.reads).toBe(0);
    expect(await stored.get({ timeoutMs: 5_000 })).toBe(42);
    expect(await ignored.state()).toBe(TaskState.STARTED);
    // One listing write a batch: the two tasks came in one batch or two.
    await eventually(() => writes(app.listingTableName) > before.listing || undefined, 5_000, 'the listing write');
    expect(writes(app.listingTableName) - before.listing).toBeLessThanOrEqual(2);
  });

  it('keeps an unlisted task out of the listing table, and still finds it by id', async () => {
    const hidden = await unlisted.delay(21);
    const shown = await add.delay(1, 2);
    expect(await hidden.get({ timeoutMs: 15_000, intervalMs: 100 })).toBe(42);
    expect(await shown.get({ timeoutMs: 15_000, intervalMs: 100 })).toBe(3);
    const listedIds = async () =>
      ((await h.dynamodb.send(new ScanCommand({ TableName: app.listingTableName }))).Items ?? []).flatMap((item) =>
        decodeListingItem(item).entries.map((e) => e.id),
      );
    await eventually(async () => (await listedIds()).includes(shown.id) || undefined, 5_000, 'the shown task listed');
    expect(await listedIds()).not.toContain(hidden.id);
    const inspector = createAwsInspector(app, { sqs: h.sqs, dynamodb: h.dynamodb });
    const listed = (await inspector.listTasks('name:math.*')).tasks.map((t) => t.id);
    expect(listed).toContain(shown.id);
    expect(listed).not.toContain(hidden.id);
    expect(await inspector.getTask(hidden.id)).toMatchObject({ state: TaskState.SUCCESS, result: 42 });
  });
});

describe('poison input goes to the DLQ with a record that says why', () => {
  const cases = [
    { name: 'a body that is not JSON', body: 'hello, not json {', code: ErrorCode.MESSAGE_NOT_JSON, id: undefined },
    { name: 'an invalid envelope', body: '{"id":"poison-envelope","task":"math.add","args":"4,4"}', code: ErrorCode.ENVELOPE_INVALID, id: 'poison-envelope' },
    { name: 'an unknown task name', body: '{"id":"poison-unknown","task":"math.mul","args":[4,4]}', code: ErrorCode.UNKNOWN_TASK, id: 'poison-unknown' },
    { name: 'args failing the schema', body: '{"id":"poison-args","task":"math.add","args":["four",4]}', code: ErrorCode.ARGS_INVALID, id: 'poison-args' },
  ];

  it.each(cases)('rejects $name', async ({ body, code, id }) => {
    const sent = await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: body }));
    const taskId = id ?? `sqs-${sent.MessageId}`;
    const record = await eventually(async () => {
      const r = await app.asyncResult(taskId).record();
      return r.state === TaskState.FAILURE ? r : undefined;
    });
    expect(record.error?.code).toBe(code);
    expect(record.error?.message.length).toBeGreaterThan(20);
    const letters = await eventually(async () => {
      const found = (await h.deadLetters('default', 10, 2)).filter((m) => m.Body === body);
      return found.length ? found : undefined;
    });
    expect(letters[0]!.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.code]?.StringValue).toBe(code);
    expect(letters[0]!.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.taskId]?.StringValue).toBe(taskId);
  });

  it('rejects args failing the schema at enqueue, before anything is sent', async () => {
    await expect(add.delay('four' as unknown as number, 4)).rejects.toMatchObject({ code: ErrorCode.ARGS_INVALID });
  });
});

describe('enqueue failures reject the caller', () => {
  it('rejects with the SQS error code when the queue refuses the message', async () => {
    const url = h.queue('default').url;
    await h.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: '1024' } }));
    try {
      const error = await echo.delay('y'.repeat(2_000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnqueueError);
      expect((error as EnqueueError).brokerCode).toBe('InvalidParameterValue');
      expect((error as EnqueueError).code).toBe(ErrorCode.ENQUEUE_FAILED);
    } finally {
      await h.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: '1048576' } }));
    }
    const attributes = await h.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['MaximumMessageSize'] }));
    expect(attributes.Attributes?.MaximumMessageSize).toBe('1048576');
  });

  it('rejects an oversized payload before sending, naming the size and the limit', async () => {
    const error = await echo.delay('z'.repeat(1_100_000)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect((error as Error).message).toMatch(/1100\d{3} bytes, over the queue's limit of 1048576 bytes/);
  });
});
