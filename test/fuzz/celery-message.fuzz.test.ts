import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CeleriacError, CeleryMessageError, EnvelopeError, ErrorCode } from '../../sdk/core/errors.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../sdk/core/protocol/envelope.js';
import { decodeMessageBody } from '../../sdk/core/protocol/message.js';
import { capturedMessages } from '../fixtures/celery-wire.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS } from './runs.js';

const CODES: readonly string[] = [ErrorCode.CELERY_MESSAGE_INVALID, ErrorCode.CELERY_NOT_SUPPORTED, ErrorCode.ENVELOPE_INVALID, ErrorCode.MESSAGE_NOT_JSON];

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Decodes as the worker does; checks the outcome: a well-formed envelope, or a typed rejection with a stable code. */
function decodeChecked(body: string): Envelope | CeleriacError {
  let envelope: Envelope;
  try {
    envelope = decodeMessageBody(body, { messageId: 'm-1' });
  } catch (error) {
    check(error instanceof CeleryMessageError || error instanceof EnvelopeError, `threw a ${(error as Error)?.name}: ${String(error)}`);
    check(CODES.includes((error as CeleriacError).code), `unexpected code ${(error as CeleriacError).code}`);
    return error as CeleriacError;
  }
  check(typeof envelope.task === 'string' && envelope.task.length > 0, 'task is not a non-empty string');
  check(typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 255, 'id is not 1–255 characters');
  check(Array.isArray(envelope.args), 'args is not an array');
  check(Number.isInteger(envelope.retries) && envelope.retries >= 0, 'retries is not a non-negative integer');
  for (const key of ['eta', 'expires'] as const) check(envelope[key] === null || !Number.isNaN(Date.parse(envelope[key]!)), `${key} is not a date`);
  // A Celery message re-sent as celeriac's envelope (a far eta goes through the scheduler) reads back the same.
  expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  return envelope;
}

const anyValue = fc.oneof(fc.anything(), fc.jsonValue(), fc.string(), fc.integer(), fc.constant(null));
/** Mostly the well-formed value, sometimes anything: every field malformed alone, and whole messages that decode. */
const mostly = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = anyValue) => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
const iso = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString().replace('Z', '+00:00'));
const signature = fc.record(
  {
    task: mostly(fc.oneof(fc.constantFrom('math.mul', ''))),
    args: mostly(fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }))),
    kwargs: mostly(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 })),
    options: mostly(fc.record({ task_id: mostly(fc.uuid()), countdown: mostly(fc.nat(100)) }, { requiredKeys: [] })),
    subtask_type: mostly(fc.constant(null), fc.oneof(fc.constantFrom('chain', 'group', 'chord'), anyValue)),
    immutable: mostly(fc.oneof(fc.boolean())),
  },
  { requiredKeys: ['task'] },
);
const embed = mostly(
  fc.record(
    {
      callbacks: mostly(fc.oneof(fc.constant(null), fc.array(signature, { maxLength: 2 }))),
      errbacks: mostly(fc.oneof(fc.constant(null), fc.array(signature, { maxLength: 2 }))),
      chain: mostly(fc.oneof(fc.constant(null), fc.array(signature, { maxLength: 3 }))),
      chord: mostly(fc.constant(null), fc.oneof(signature, anyValue)),
    },
    { requiredKeys: [] },
  ),
  fc.oneof(anyValue, fc.constant({})),
);
const headers = fc.record(
  {
    task: mostly(fc.oneof(fc.constantFrom('math.add', ''))),
    id: mostly(fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }))),
    eta: mostly(fc.oneof(fc.constant(null), iso, fc.string())),
    expires: mostly(fc.oneof(fc.constant(null), iso)),
    retries: mostly(fc.oneof(fc.nat(5))),
    timelimit: mostly(fc.oneof(fc.constant([null, null]), fc.tuple(fc.oneof(fc.nat(60), fc.constant(null)), fc.oneof(fc.nat(60), fc.constant(null))))),
    root_id: mostly(fc.oneof(fc.uuid())),
    parent_id: mostly(fc.oneof(fc.constant(null), fc.uuid())),
    group: mostly(fc.oneof(fc.constant(null), fc.uuid())),
    ignore_result: mostly(fc.oneof(fc.constant(null), fc.boolean())),
    'celeriac-every': anyValue,
  },
  { requiredKeys: ['task', 'id'] },
);
/** Celery messages in every layer combination, each part well-formed or anything at all. */
const celeryLike = fc
  .record({
    body: mostly(fc.tuple(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }), embed)),
    headers: mostly(fc.oneof(headers)),
    contentType: mostly(fc.constant('application/json'), fc.constantFrom('application/x-python-serialize', undefined)),
    innerBase64: fc.boolean(),
    outerBase64: fc.boolean(),
    properties: mostly(fc.constant({}), fc.oneof(fc.constant(undefined), anyValue)),
  })
  .map(({ body, headers, contentType, innerBase64, outerBase64, properties }) => {
    let inner: string;
    try {
      inner = JSON.stringify(body) ?? 'null';
    } catch {
      inner = 'null';
    }
    const props = innerBase64 && (properties === undefined || (typeof properties === 'object' && properties && !Array.isArray(properties))) ? { ...(properties as object), body_encoding: 'base64' } : properties;
    let envelope: string;
    try {
      envelope = JSON.stringify({ body: innerBase64 ? Buffer.from(inner).toString('base64') : inner, 'content-type': contentType, headers, properties: props });
    } catch {
      envelope = '{"body": 1}';
    }
    return outerBase64 ? Buffer.from(envelope).toString('base64') : envelope;
  });

describe('message decoder (celeriac and Celery formats) under generated input', () => {
  it('never crashes on Celery-shaped messages: every rejection is typed with a stable code', { timeout: FUZZ_TIMEOUT_MS }, () => {
    let decoded = 0;
    fc.assert(
      fc.property(celeryLike, (body) => {
        if (!(decodeChecked(body) instanceof CeleriacError)) decoded++;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(decoded).toBeGreaterThan(0); // the generator reaches the accepting paths too
  });

  it('never crashes on a captured Celery message with one character flipped, cut or inserted, in either base64 form', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const captured = capturedMessages().filter((m) => m.taskBody[2]?.chord == null);
    fc.assert(
      fc.property(fc.nat(captured.length - 1), fc.boolean(), fc.nat(4000), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert'), (which, plain, at, byte, how) => {
        const message = captured[which]!;
        const valid = plain ? Buffer.from(message.body, 'base64').toString('utf8') : message.body;
        const i = at % valid.length;
        const char = String.fromCharCode(byte);
        const body = how === 'flip' ? valid.slice(0, i) + char + valid.slice(i + 1) : how === 'cut' ? valid.slice(0, i) : valid.slice(0, i) + char + valid.slice(i);
        decodeChecked(body);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('never crashes on arbitrary text or base64 of arbitrary text', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), fc.boolean(), (text, wrap) => {
        decodeChecked(wrap ? Buffer.from(text).toString('base64') : text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
