import { randomBytes } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, ErrorCode, PayloadTooLargeError, TaskState, type TaskRecord } from '../../sdk/index.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../sdk/aws/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { stringAttributes } from '../helpers/sqs.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

useEmulatorEnv();

// Every class of bad input a queue can carry, sent on the wire to a running worker: each must end in
// a FAILURE record that says why, and (for input the worker cannot run) a copy in the dead-letter
// queue with the reason in its attributes. Hand-edited schedule Input is covered with schedules.
const app = createApp({ name: uniqueAppName('bad'), queues: { default: {} }, worker: { timeoutSeconds: 2 } });
app.task('math.add', async (x: number, y: number) => x + y, { argsSchema: z.tuple([z.number(), z.number()]) });
const echo = app.task('text.echo', async (text: string) => text.length);
const huge = app.task('data.huge', async (kb: number) => 'x'.repeat(kb * 1024));
const loud = app.task('data.loud', async (kb: number) => {
  throw new RangeError('y'.repeat(kb * 1024));
});

let h: Harness;
const sent = new Map<string, string>(); // label → task id the record is expected under

beforeAll(async () => {
  h = await createHarness(app);
  h.startWorker();
});
afterAll(async () => h?.dispose());

const tag = () => randomBytes(4).toString('hex');

/** Sends a raw body; returns the id the worker records it under (its own id, or `sqs-<message id>`). */
async function sendRaw(body: string, id?: string): Promise<string> {
  const out = await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: body }));
  return id ?? `sqs-${out.MessageId}`;
}

async function finalRecord(id: string): Promise<TaskRecord> {
  return eventually(
    async () => {
      const record = await app.backend().get(id);
      return record && (record.state === TaskState.FAILURE || record.state === TaskState.SUCCESS) ? record : undefined;
    },
    30_000,
    `a final record for ${id}`,
  );
}

/** The dead-letter copies, by the task id in their attributes. */
async function deadLettersById(expected: number): Promise<Map<string, Record<string, string>>> {
  const messages = await h.deadLetters('default', expected, 30);
  return new Map(messages.map((m) => [stringAttributes(m)[DEAD_LETTER_ATTRIBUTES.taskId] ?? '?', stringAttributes(m)]));
}

const WRONG_TYPES: readonly [field: string, value: unknown][] = [
  ['v', '1'],
  ['id', 42],
  ['task', 7],
  ['args', 'four, four'],
  ['kwargs', [1]],
  ['retries', -1],
  ['eta', 'next tuesday'],
  ['expires', 5],
  ['queue', 5],
  ['parentId', {}],
  ['rootId', []],
  ['groupId', true],
  ['links', {}],
  ['headers', 'h'],
  ['ignoreResult', 'yes'],
  ['sentAt', 'yesterday'],
];

describe('bad input on the wire', () => {
  it('records each poison message as FAILURE saying why, and copies it to the dead-letter queue', async () => {
    const t = tag();
    sent.set('not JSON', await sendRaw('{"task": "math.add", "args": [4, 4'));
    sent.set('JSON array', await sendRaw('[1, 2, 3]'));
    sent.set('JSON string', await sendRaw('"math.add"'));
    sent.set('no task', await sendRaw(JSON.stringify({ id: `notask-${t}`, args: [1, 2] }), `notask-${t}`));
    sent.set('unknown task', await sendRaw(JSON.stringify({ id: `unknown-${t}`, task: 'math.subtract', args: [1, 2] }), `unknown-${t}`));
    sent.set('bad args', await sendRaw(JSON.stringify({ id: `args-${t}`, task: 'math.add', args: ['4', 4] }), `args-${t}`));
    for (const [field, value] of WRONG_TYPES) {
      const id = field === 'id' ? undefined : `field-${field}-${t}`;
      const body = JSON.stringify({ task: 'math.add', args: [1, 2], ...(id ? { id } : {}), [field]: value });
      sent.set(`field ${field}`, await sendRaw(body, id));
    }

    const expected: Record<string, { code: string; says: RegExp }> = {
      'not JSON': { code: ErrorCode.MESSAGE_NOT_JSON, says: /not JSON/ },
      'JSON array': { code: ErrorCode.ENVELOPE_INVALID, says: /must be a JSON object/ },
      'JSON string': { code: ErrorCode.ENVELOPE_INVALID, says: /must be a JSON object/ },
      'no task': { code: ErrorCode.ENVELOPE_INVALID, says: /"task" must be a non-empty string/ },
      'unknown task': { code: ErrorCode.UNKNOWN_TASK, says: /Unknown task "math\.subtract".*registered: math\.add/ },
      'bad args': { code: ErrorCode.ARGS_INVALID, says: /Arguments of task "math\.add" failed validation: args\[0\]/ },
      ...Object.fromEntries(WRONG_TYPES.map(([field]) => [`field ${field}`, { code: ErrorCode.ENVELOPE_INVALID, says: new RegExp(`"${field}" must be`) }])),
    };
    for (const [label, id] of sent) {
      const record = await finalRecord(id);
      expect({ label, state: record.state, code: record.error?.code }).toEqual({ label, state: TaskState.FAILURE, code: expected[label]!.code });
      expect(record.error?.message, label).toMatch(expected[label]!.says);
    }

    const letters = await deadLettersById(sent.size);
    for (const [label, id] of sent) {
      expect(letters.get(id), `${label} in the DLQ`).toMatchObject({
        [DEAD_LETTER_ATTRIBUTES.code]: expected[label]!.code,
        [DEAD_LETTER_ATTRIBUTES.message]: expect.stringMatching(expected[label]!.says),
      });
    }
    // Nothing was run: the worker logged a rejection for each, and no success.
    expect(h.events.filter((e) => e.type === 'succeeded')).toEqual([]);
  });

  it('refuses an oversized payload at enqueue, before sending, with its size and the limit', async () => {
    const error = await echo.delay('z'.repeat(1024 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE, limitBytes: 1024 * 1024 });
    expect((error as Error).message).toMatch(/is \d+ bytes, over the queue's limit of 1048576 bytes/);
  });

  it('has a hand-sent oversized message refused by the queue itself, so no worker ever sees it', async () => {
    const body = JSON.stringify({ task: 'text.echo', args: ['z'.repeat(1024 * 1024)] });
    const error = await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queue('default').url, MessageBody: body })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toMatch(/InvalidParameterValue|MessageTooLong|InvalidMessageContents/);
  });

  it('stores a result too large for a DynamoDB item as FAILURE with RESULT_TOO_LARGE and a truncated, marked copy', async () => {
    const result = await huge.delay(500);
    const error = await result.get({ timeoutMs: 30_000, intervalMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResultTooLargeError', remoteCode: ErrorCode.RESULT_TOO_LARGE });
    expect((error as Error).message).toMatch(/returned a result of \d+ bytes, over the result backend's limit of 409600 bytes/);
    const record = await app.backend().get(result.id);
    expect(record).toMatchObject({ state: TaskState.FAILURE, error: { code: ErrorCode.RESULT_TOO_LARGE } });
    expect(record?.result).toMatchObject({ 'celeriac:truncated': true, sizeBytes: expect.any(Number) });
    expect((record!.result as { head: string }).head).toHaveLength(1024);
  });

  it('stores an error whose message is too large for an item with the message cut, not crashing the worker', async () => {
    const result = await loud.delay(600);
    const error = await result.get({ timeoutMs: 30_000, intervalMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^y{4000}… \[\d+ more characters\]$/);
  });
});
