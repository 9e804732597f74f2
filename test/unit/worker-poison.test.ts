import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { currentTask } from '../../sdk/core/context.js';
import { ErrorCode } from '../../sdk/core/errors.js';
import { Ignore, Reject } from '../../sdk/core/signals.js';
import { TaskState } from '../../sdk/core/states.js';
import { queueArn, queueRecord } from '../fixtures/queue-records.js';
import { memoryHarness } from '../helpers/memory-harness.js';

/** Sends `body`, delivers it, and returns what became of it. */
async function deliverPoison(body: string, register?: (h: ReturnType<typeof memoryHarness>) => void) {
  const h = memoryHarness();
  register?.(h);
  await h.sendRaw(body);
  const [delivery] = await h.deliver();
  return { h, delivery: delivery!, messageId: delivery!.message.messageId };
}

describe('Worker: poison messages', () => {
  it('records FAILURE under sqs-<messageId> and dead-letters a body that is not JSON', async () => {
    const { h, delivery, messageId } = await deliverPoison('definitely not json');

    expect(delivery.disposition).toBe('ack');
    const record = await h.backend.get(`sqs-${messageId}`);
    expect(record).toMatchObject({ state: TaskState.FAILURE, queue: 'default', error: { type: 'EnvelopeError', code: ErrorCode.MESSAGE_NOT_JSON } });
    expect(record?.error?.message).toContain('not JSON');
    expect(h.deadLetters()).toHaveLength(1);
    expect(h.deadLetters()[0]).toMatchObject({
      body: 'definitely not json',
      reason: { code: ErrorCode.MESSAGE_NOT_JSON, taskId: `sqs-${messageId}`, message: expect.stringContaining('not JSON') },
    });
    expect(h.broker.messages(h.queueName())).toEqual([]);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'rejected', messageId }));
  });

  it('records FAILURE naming the bad field under the envelope’s id and dead-letters it', async () => {
    const body = JSON.stringify({ id: 'bad-1', task: 'math.add', args: 'four, four' });
    const { h, delivery } = await deliverPoison(body, (h) => h.app.task('math.add', async (x: number) => x));

    expect(delivery.disposition).toBe('ack');
    const record = await h.backend.get('bad-1');
    expect(record).toMatchObject({ state: TaskState.FAILURE, task: 'math.add', error: { type: 'EnvelopeError', code: ErrorCode.ENVELOPE_INVALID } });
    expect(record?.error?.message).toContain('"args"');
    expect(h.deadLetters()[0]).toMatchObject({ body, reason: { code: ErrorCode.ENVELOPE_INVALID, taskId: 'bad-1' } });
  });

  it('records FAILURE naming an unknown task and dead-letters it', async () => {
    const body = JSON.stringify({ id: 'u-1', task: 'math.mul', args: [2, 3] });
    const { h, delivery } = await deliverPoison(body, (h) => h.app.task('math.add', async (x: number) => x));

    expect(delivery.disposition).toBe('ack');
    const record = await h.backend.get('u-1');
    expect(record).toMatchObject({ state: TaskState.FAILURE, task: 'math.mul', error: { type: 'UnknownTaskError', code: ErrorCode.UNKNOWN_TASK } });
    expect(record?.error?.message).toContain('"math.mul"');
    expect(h.deadLetters()[0]).toMatchObject({ body, reason: { code: ErrorCode.UNKNOWN_TASK, taskId: 'u-1' } });
  });

  it('records FAILURE with the failing paths and dead-letters args that fail the schema, without running the task', async () => {
    const body = vi.fn(async (email: string, seats: number) => `${email}:${seats}`);
    const raw = JSON.stringify({ id: 's-1', task: 'users.invite', args: ['not-an-email', 3] });
    const { h, delivery } = await deliverPoison(raw, (h) => h.app.task('users.invite', body, { argsSchema: z.tuple([z.email(), z.number()]) }));

    expect(delivery.disposition).toBe('ack');
    expect(body).not.toHaveBeenCalled();
    const record = await h.backend.get('s-1');
    expect(record).toMatchObject({ state: TaskState.FAILURE, error: { type: 'ArgsValidationError', code: ErrorCode.ARGS_INVALID } });
    expect(record?.error?.message).toContain('args[0]');
    expect(h.deadLetters()[0]).toMatchObject({ body: raw, reason: { code: ErrorCode.ARGS_INVALID, taskId: 's-1' } });
    expect(h.backend.writes.claim).toBe(0);
  });

  it('runs the task with the schema’s output', async () => {
    const h = memoryHarness();
    const seen: unknown[] = [];
    h.app.task('trim', async (name: string) => seen.push(name), { argsSchema: z.tuple([z.string().trim()]) });
    await h.sendRaw(JSON.stringify({ task: 'trim', args: ['  Ada  '] }));

    await h.deliver();

    expect(seen).toEqual(['Ada']);
  });

  it('records FAILURE with the reason and dead-letters the message when the task throws Reject', async () => {
    const h = memoryHarness();
    const task = h.app.task('strict', async (input: string) => {
      throw new Reject(`cannot handle ${input}`);
    });
    const sent = await task.delay('garbage');

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, error: { type: 'Reject', message: 'cannot handle garbage' } });
    expect(h.deadLetters()).toHaveLength(1);
    expect(h.deadLetters()[0]).toMatchObject({ reason: { code: 'Reject', message: 'cannot handle garbage', taskId: sent.id } });
    expect(JSON.parse(h.deadLetters()[0]!.body)).toMatchObject({ id: sent.id, task: 'strict', args: ['garbage'] });
  });

  // The envelope's retries is what the sender wrote (0: celeriac requeues messages unchanged); the
  // count lives in the record and comes back from the claim.
  it('keeps the retries made so far when a retried task throws Reject', async () => {
    const h = memoryHarness();
    const task = h.app.task('picky', async () => {
      if (currentTask().retries === 0) currentTask().retry({ countdownSeconds: 1 });
      throw new Reject('still wrong');
    });
    const sent = await task.delay();
    await h.deliver();
    expect((await h.backend.get(sent.id))?.retries).toBe(1);
    h.clock.advance(1_000);

    await h.deliver();

    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, retries: 1, error: { type: 'Reject' } });
  });

  it('stores the stack of the Reject the task threw', async () => {
    const h = memoryHarness();
    const task = h.app.task('picky', async function rejectingTaskBody() {
      throw new Reject('bad input');
    });
    const sent = await task.delay();

    await h.deliver();

    expect((await h.backend.get(sent.id))?.error?.stack).toContain('rejectingTaskBody');
  });

  it('records a thrown non-Error as NonErrorThrown with its text', async () => {
    const h = memoryHarness();
    const task = h.app.task('odd', async () => {
      throw 'plain string';
    });
    const sent = await task.delay();

    await h.deliver();

    expect((await h.backend.get(sent.id))?.error).toEqual({ type: 'NonErrorThrown', message: 'plain string' });
  });

  it('acknowledges without recording an outcome when the task throws Ignore', async () => {
    const h = memoryHarness();
    const task = h.app.task('skip', async () => {
      throw new Ignore();
    });
    await task.delay();

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(h.backend.writes).toEqual({ claim: 1, save: 0, forget: 0 });
    expect(h.deadLetters()).toEqual([]);
  });

  it('dead-letters without a record when no task id can be read', async () => {
    const h = memoryHarness();
    const record = queueRecord({ messageId: '', body: 'not json', eventSourceARN: h.broker.arnOf(h.queueName()) });

    expect(await h.worker.processRecord(record)).toBe('ack');

    expect(h.backend.writes.save).toBe(0);
    expect(h.deadLetters()).toHaveLength(1);
    expect(h.deadLetters()[0]?.reason).toEqual({ code: ErrorCode.MESSAGE_NOT_JSON, message: expect.any(String) });
  });

  it('finds the queue of a message by the last segment of its source ARN', async () => {
    const h = memoryHarness({ queues: { default: {}, exports: {} } });
    const record = queueRecord({ body: 'not json', eventSourceARN: queueArn('unit-exports') });

    await h.worker.processRecord(record);

    expect((await h.backend.get(`sqs-${record.messageId}`))?.queue).toBe('exports');
    expect(h.deadLetters('exports')).toHaveLength(1);
  });

  it('leaves a poison message on the queue when the dead-letter queue cannot be written', async () => {
    const h = memoryHarness();
    vi.spyOn(h.broker, 'deadLetter').mockRejectedValue(Object.assign(new Error('queue gone'), { name: 'QueueDoesNotExist' }));
    await h.sendRaw('not json');

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('requeue');
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'error', error: expect.objectContaining({ type: 'QueueDoesNotExist' }) }));
  });
});
