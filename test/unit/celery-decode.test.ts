import { describe, expect, it } from 'vitest';
import { CeleryMessageError, ErrorCode } from '../../sdk/core/errors.js';
import { CELERY_PROTOCOL_HEADER, CELERY_TIMELIMIT_HEADER, decodeCeleryMessage, isCeleryMessage } from '../../sdk/core/protocol/celery.js';
import { capturedMessages, handmadeCases } from '../fixtures/celery-wire.js';

const messages = capturedMessages();
const handmade = handmadeCases();
const byFile = (file: string) => messages.find((m) => m.file === file)!;

function rejection(body: string): CeleryMessageError {
  try {
    decodeCeleryMessage(body, { messageId: 'm-1' });
  } catch (error) {
    expect(error).toBeInstanceOf(CeleryMessageError);
    return error as CeleryMessageError;
  }
  throw new Error('decoded a message that should have been refused');
}

describe('decodeCeleryMessage over the captured Celery 5.7 messages', () => {
  it('reads at least the 20 captured messages', () => {
    expect(messages.length).toBeGreaterThanOrEqual(20);
  });

  for (const message of messages) {
    const chord = message.taskBody[2]?.chord != null;
    it(`${chord ? 'refuses' : 'reads'} ${message.file} (${String(message.headers.task)}[${String(message.headers.id).slice(0, 8)}])`, () => {
      expect(isCeleryMessage(message.body)).toBe(true);
      if (chord) {
        const error = rejection(message.body);
        expect(error.code).toBe(ErrorCode.CELERY_NOT_SUPPORTED);
        expect(error.message).toMatch(/chord/);
        expect(error.taskId).toBe(message.headers.id);
        return;
      }
      const envelope = decodeCeleryMessage(message.body);
      expect(envelope.task).toBe(message.headers.task);
      expect(envelope.id).toBe(message.headers.id);
      expect(envelope.args).toEqual(message.taskBody[0]);
      expect(envelope.kwargs).toEqual(message.taskBody[1]);
      expect(envelope.retries).toBe(message.headers.retries);
      expect(envelope.rootId).toBe(message.headers.root_id ?? null);
      expect(envelope.parentId).toBe(message.headers.parent_id ?? null);
      expect(envelope.groupId).toBe(message.headers.group ?? null);
      expect(envelope.headers[CELERY_PROTOCOL_HEADER]).toBe('celery');
      for (const key of ['eta', 'expires'] as const) {
        const sent = message.headers[key] as string | null;
        expect(envelope[key] === null ? null : Date.parse(envelope[key]!)).toBe(sent === null ? null : Math.floor(Date.parse(sent)));
      }
    });
  }

  it('reads Chinese kwargs sent as \\u escapes', () => {
    const envelope = decodeCeleryMessage(byFile('email_unicode_kwargs.json').body);
    expect(JSON.stringify([envelope.args, envelope.kwargs])).toMatch(/[\u4e00-\u9fff]/);
  });

  it('turns a countdown into eta and keeps expires', () => {
    expect(decodeCeleryMessage(byFile('countdown_10.json').body).eta).toMatch(/Z$/);
    expect(decodeCeleryMessage(byFile('expires_seconds.json').body).expires).toMatch(/Z$/);
  });

  it('reads link= as a link whose result comes first, and link_error= as an errback', () => {
    const link = decodeCeleryMessage(byFile('link_callback.json').body);
    expect(link.links).toEqual([expect.objectContaining({ task: 'math.mul', args: [3] })]);
    const errback = decodeCeleryMessage(byFile('link_error.json').body);
    expect(errback.errbacks).toHaveLength(1);
    expect(errback.links).toEqual([]);
  });

  it('reads a reversed embed.chain [c, b] as b linked to c, keeping the preassigned task ids', () => {
    const message = byFile('chain_3.json');
    const chain = message.taskBody[2].chain as { options: { task_id: string }; args: unknown[] }[];
    const envelope = decodeCeleryMessage(message.body);
    expect(envelope.links).toHaveLength(1);
    const [b] = envelope.links;
    expect(b!.id).toBe(chain[1]!.options.task_id);
    expect(b!.args).toEqual(chain[1]!.args);
    expect(b!.links?.map((c) => c.id)).toEqual([chain[0]!.options.task_id]);
    expect(b!.links?.[0]?.links).toBeUndefined();
  });

  it('keeps time limits, ignore_result and custom headers', () => {
    const envelope = decodeCeleryMessage(byFile('misc_options.json').body);
    expect(envelope.headers[CELERY_TIMELIMIT_HEADER]).toEqual([30, 20]);
    expect(envelope.headers['x-custom']).toBe('v');
    expect(envelope.ignoreResult).toBe(true);
    expect(envelope.retries).toBe(2);
  });
});

describe('decodeCeleryMessage over hand-made messages checked against a real Celery worker', () => {
  // What Celery ran (SUCCESS, FAILURE NotRegistered, REVOKED) celeriac reads; what it discarded or crashed on, celeriac refuses, typed.
  for (const row of handmade) {
    const ran = row.status !== undefined;
    it(`${ran ? 'reads' : 'refuses'} ${row.case} (Celery: ${row.status ?? 'no result'}${row.workerAlive ? '' : ', worker died'})`, () => {
      if (ran) {
        const envelope = decodeCeleryMessage(row.body, { messageId: 'm-1' });
        if (row.taskId) expect(envelope.id).toBe(row.taskId);
        return;
      }
      if (!isCeleryMessage(row.body)) {
        expect(row.case).toBe('garbage_body'); // left to the celeriac decoder, which refuses it as not JSON
        return;
      }
      const error = rejection(row.body);
      expect(error.code).toBe(ErrorCode.CELERY_MESSAGE_INVALID);
      expect(error.message).toMatch(/^Invalid Celery message: "[^"]+" must be/);
    });
  }

  it('reads protocol v1 (task and id in the body)', () => {
    const row = handmade.find((r) => r.case === 'protocol_v1_body')!;
    const envelope = decodeCeleryMessage(row.body);
    expect(envelope).toMatchObject({ task: 'math.add', args: [20, 22], kwargs: {} });
  });

  it('keeps the id of a refused message, so its FAILURE is stored where the client polls', () => {
    const row = handmade.find((r) => r.case === 'body_without_embed')!;
    expect(rejection(row.body).taskId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('decodeCeleryMessage refuses what celeriac does not do', () => {
  const base = (body: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ body: JSON.stringify(body), 'content-type': 'application/json', headers: { task: 't.x', id: 'id-1' }, properties: {}, ...extra });

  it('refuses pickle with CELERY_NOT_SUPPORTED', () => {
    expect(rejection(base([[], {}, {}], { 'content-type': 'application/x-python-serialize' })).code).toBe(ErrorCode.CELERY_NOT_SUPPORTED);
  });

  it('refuses a nested group in a callback with CELERY_NOT_SUPPORTED', () => {
    const sig = { task: 'celery.group', args: [], kwargs: { tasks: [] }, options: {}, subtask_type: 'group', immutable: false };
    expect(rejection(base([[], {}, { callbacks: [sig] }])).code).toBe(ErrorCode.CELERY_NOT_SUPPORTED);
  });

  it('refuses an eta that is not ISO 8601', () => {
    expect(rejection(JSON.stringify({ body: '[[], {}, {}]', 'content-type': 'application/json', headers: { task: 't', id: 'i', eta: 'garbage 2026' }, properties: {} })).message).toMatch(
      /"eta" must be an ISO 8601/,
    );
  });

  it('gives signatures without options.task_id the same id on every decode', () => {
    const body = base([[1], {}, { callbacks: [{ task: 'b', args: [], kwargs: { k: 1 }, options: {}, subtask_type: null, immutable: false }] }]);
    const [first] = decodeCeleryMessage(body).links;
    expect(first!.id).toBe(decodeCeleryMessage(body).links[0]!.id);
    expect(first!.args).toEqual([{ k: 1 }]);
  });
});

describe('encodeCeleryMessage', () => {
  it("writes the layout send_task writes: both base64 layers, every header and property, in Celery's order", async () => {
    const { encodeCeleryMessage } = await import('../../sdk/core/protocol/celery-encode.js');
    const captured = byFile('add_basic.json');
    const body = encodeCeleryMessage({ task: 'math.add', id: 'id-1', args: [4, 4], queue: 'default' });
    const envelope = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { headers: object; properties: object; body: string };
    const original = JSON.parse(Buffer.from(captured.body, 'base64').toString('utf8')) as { headers: object; properties: object };
    expect(Object.keys(envelope)).toEqual(Object.keys(original));
    expect(Object.keys(envelope.headers)).toEqual(Object.keys(original.headers));
    expect(Object.keys(envelope.properties)).toEqual(Object.keys(original.properties));
    expect(JSON.parse(Buffer.from(envelope.body, 'base64').toString('utf8'))).toEqual(captured.taskBody);
    expect(decodeCeleryMessage(body)).toMatchObject({ task: 'math.add', id: 'id-1', args: [4, 4], rootId: 'id-1' });
  });
});
