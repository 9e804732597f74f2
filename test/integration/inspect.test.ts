import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageBatchCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsTransport } from '../../sdk/aws/transport.js';
import { TaskState } from '../../sdk/core/states.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import type { Inspector } from '../../sdk/inspect/inspector.js';
import type { TaskSummary } from '../../sdk/core/ports/inspection.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { saveAll, taskPopulation } from '../fixtures/task-population.js';

const COUNT = 300;
const NEEDLE = `needle${randomUUID().slice(0, 6)}`;

describe('Inspector on the emulator', () => {
  let res: ThrowawayResources;
  let inspector: Inspector;
  const newest = new Date(Date.now() - 60_000);
  const population = taskPopulation(COUNT, newest, NEEDLE, 'pop');

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {}, exports: {} });
    res.app.useTransport(awsTransport(res.app, { sqs: res.sqs, dynamodb: res.dynamodb }));
    inspector = createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'copy' });
    await saveAll(res.app.backend(), population);
  }, 120_000);
  afterAll(() => res?.dispose());

  async function all(query: Parameters<Inspector['listTasks']>[0], limit = 50): Promise<TaskSummary[]> {
    const rows: TaskSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const base = typeof query === 'string' ? { ...(await import('../../sdk/inspect/query.js')).parseTaskSearch(query) } : query;
      const result = await inspector.listTasks({ ...base, limit, ...(cursor ? { cursor } : {}) });
      rows.push(...result.tasks);
      cursor = result.next;
      if (!cursor) return rows;
    }
    throw new Error('too many pages');
  }

  it('pages through every task exactly once, newest sent first', async () => {
    const rows = await all({}, 40);
    expect(rows.map((r) => r.id)).toEqual(population.map((r) => r.id));
    expect(rows[0]).toMatchObject({ id: 'pop-0000', state: TaskState.SUCCESS, task: 'email.send', queue: 'exports', workerId: 'inv-0' });
    expect(rows[0]?.sentAt?.toISOString()).toBe(newest.toISOString());
  });

  it('returns one page of `limit` rows and a cursor', async () => {
    const page = await inspector.listTasks({ limit: 25 });
    expect(page.tasks).toHaveLength(25);
    expect(page.next).toBeTypeOf('string');
  });

  it('filters by state', async () => {
    const rows = await all({ states: [TaskState.FAILURE] });
    expect(rows.map((r) => r.id)).toEqual(population.filter((r) => r.state === TaskState.FAILURE).map((r) => r.id));
  });

  it('filters by a name glob and a state in a Flower-like search', async () => {
    const rows = await all('name:email.* state:FAILURE,RETRY');
    const expected = population.filter((r) => r.task!.startsWith('email.') && (r.state === TaskState.FAILURE || r.state === TaskState.RETRY));
    expect(expected.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it('finds text in the arguments', async () => {
    const rows = await all(NEEDLE, 20);
    expect(rows.map((r) => r.id)).toEqual(population.filter((_, i) => i % 7 === 0).map((r) => r.id));
  });

  it('finds text in the error', async () => {
    const rows = await all('boom 14');
    const expected = population.filter((r) => r.error?.message.includes('boom 14')).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.id)).toEqual(expected);
  });

  it('filters by a time range', async () => {
    const since = new Date(newest.getTime() - 99_000);
    const until = new Date(newest.getTime() - 49_000);
    const rows = await all({ since, until });
    expect(rows.map((r) => r.id)).toEqual(population.slice(50, 100).map((r) => r.id));
  });

  it('reads the full record of a task', async () => {
    const record = await inspector.getTask('pop-0002');
    expect(record).toMatchObject({ state: TaskState.FAILURE, error: { message: 'boom 2' }, argsRepr: '["n2"]' });
  });

  it('counts tasks finished per minute and worker activity per queue', async () => {
    const rates = await inspector.rates(60);
    expect(rates).toHaveLength(60);
    const succeeded = rates.reduce((n, p) => n + p.succeeded, 0);
    const failed = rates.reduce((n, p) => n + p.failed, 0);
    const inHour = population.filter((r) => r.dateDone && r.dateDone.getTime() >= rates[0]!.minute.getTime());
    expect(succeeded).toBe(inHour.filter((r) => r.state === TaskState.SUCCESS).length);
    expect(failed).toBe(inHour.filter((r) => r.state === TaskState.FAILURE).length);

    const workers = await inspector.workers(60);
    const exports = workers.find((w) => w.queue === 'exports')!;
    const recent = population.filter((r) => r.queue === 'exports' && r.sentAt!.getTime() >= Date.now() - 3_600_000);
    expect(exports.running).toBe(recent.filter((r) => r.state === TaskState.STARTED).length);
    expect(exports.failures).toBe(recent.filter((r) => r.state === TaskState.FAILURE).length);
    expect(exports.avgRuntimeMs).toBeGreaterThanOrEqual(50);
  });

  it('revokes a task that has not finished, and leaves a finished one alone', async () => {
    expect(await inspector.revoke('pop-0003')).toEqual({ revoked: true, state: TaskState.REVOKED });
    expect(await inspector.getTask('pop-0003')).toMatchObject({ state: TaskState.REVOKED, task: 'reports.build', argsRepr: '["n3"]', retries: 1 });
    expect(await inspector.revoke('pop-0000')).toEqual({ revoked: false, state: TaskState.SUCCESS });
    const unknown = `never-sent-${randomUUID()}`;
    expect(await inspector.revoke(unknown)).toEqual({ revoked: true, state: TaskState.REVOKED });
  });

  it('reports each queue’s counts', async () => {
    const stats = await inspector.queueStats();
    expect(stats.map((s) => s.name).sort()).toEqual(['default', 'exports']);
    expect(stats[0]).toMatchObject({ visible: expect.any(Number), inFlight: expect.any(Number), delayed: expect.any(Number), deadLetters: expect.any(Number) });
  });
});

describe('Inspector: dead letters on the emulator', () => {
  let res: ThrowawayResources;
  let inspector: Inspector;

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {} });
    inspector = createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'copy' });
  }, 120_000);
  afterAll(() => res?.dispose());

  it('peeks without losing, then redrives selected and all messages back exactly once', async () => {
    const queue = res.queues.get('default')!;
    const bodies = Array.from({ length: 23 }, (_, i) => JSON.stringify({ id: `dead-${i}`, task: 'math.add', args: [i, i] }));
    for (let i = 0; i < bodies.length; i += 10) {
      await res.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queue.deadLetterUrl, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: `e${j}`, MessageBody: b })) }),
      );
    }

    const peeked = await inspector.deadLetters('default', 100);
    expect(peeked.map((m) => m.taskId).sort()).toEqual(bodies.map((_, i) => `dead-${i}`).sort());
    expect(peeked[0]).toMatchObject({ task: 'math.add', reasonCode: 'MAX_RECEIVE_COUNT' });
    expect(await inspector.deadLetters('default', 100)).toHaveLength(23);

    const chosen = peeked.slice(0, 3).map((m) => m.messageId);
    const selected = await inspector.redrive('default', { messageIds: chosen });
    expect(selected).toEqual({ method: 'copy', moved: 3 });
    expect(await inspector.deadLetters('default', 100)).toHaveLength(20);

    const progress: number[] = [];
    const rest = await inspector.redrive('default', { onProgress: (done) => progress.push(done) });
    expect(rest).toEqual({ method: 'copy', moved: 20 });
    expect(progress.at(-1)).toBe(20);
    expect(await inspector.deadLetters('default', 100)).toHaveLength(0);

    const received: string[] = [];
    for (let round = 0; round < 20 && received.length < 23; round++) {
      const out = await res.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
      const messages = out.Messages ?? [];
      received.push(...messages.map((m) => m.Body!));
      if (messages.length) {
        await res.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }),
        );
      }
    }
    expect(received.sort()).toEqual([...bodies].sort());
  });
});
