import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnvelopeError, ErrorCode } from '../../sdk/core/errors.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../sdk/core/protocol/envelope.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS } from './runs.js';

const FIELDS = [
  'v',
  'id',
  'task',
  'args',
  'kwargs',
  'retries',
  'eta',
  'expires',
  'queue',
  'parentId',
  'rootId',
  'groupId',
  'links',
  'errbacks',
  'chord',
  'headers',
  'ignoreResult',
  'sentAt',
];

/** True when the message names a field, or a path into one (`"links[0]"`, `"headers.celeriac-every"`). */
const namesField = (message: string) => FIELDS.some((field) => new RegExp(`"${field}(["\\[.])`).test(message));

/** Fails the property with `message` unless `condition` holds (plain, so 100,000 runs stay fast). */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Decodes, and checks the outcome: a well-formed envelope, or a typed EnvelopeError. */
function decodeChecked(body: string): Envelope | EnvelopeError {
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(body, { messageId: 'm-1' });
  } catch (error) {
    check(error instanceof EnvelopeError, `threw a ${(error as Error)?.name}, not an EnvelopeError: ${String(error)}`);
    const code = (error as EnvelopeError).code;
    check(code === ErrorCode.MESSAGE_NOT_JSON || code === ErrorCode.ENVELOPE_INVALID, `unexpected code ${code}`);
    return error as EnvelopeError;
  }
  check(typeof envelope.task === 'string' && envelope.task.length > 0, 'task is not a non-empty string');
  check(typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 255, 'id is not 1–255 characters');
  check(Array.isArray(envelope.args), 'args is not an array');
  check(Number.isInteger(envelope.retries) && envelope.retries >= 0, 'retries is not a non-negative integer');
  for (const key of ['eta', 'expires', 'sentAt'] as const) {
    check(envelope[key] === null || !Number.isNaN(Date.parse(envelope[key]!)), `${key} is not a date`);
  }
  // What decodes, re-encodes and decodes to the same envelope.
  expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  return envelope;
}

const anyValue = fc.oneof(fc.anything(), fc.jsonValue(), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** Objects shaped like envelopes: every field optional, each either well-typed or anything at all. */
const envelopeLike = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 3 }), anyValue),
    id: fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), anyValue),
    task: fc.oneof(fc.constantFrom('math.add', 'text.echo', ''), fc.string(), anyValue),
    args: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), anyValue),
    kwargs: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), anyValue),
    retries: fc.oneof(fc.nat(20), fc.integer({ min: -5, max: 5 }), anyValue),
    eta: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      anyValue,
    ),
    expires: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      anyValue,
    ),
    queue: fc.oneof(fc.constantFrom('default', 'exports'), anyValue),
    parentId: fc.oneof(fc.uuid(), anyValue),
    rootId: fc.oneof(fc.uuid(), anyValue),
    groupId: fc.oneof(fc.uuid(), anyValue),
    links: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 2 }), anyValue),
    headers: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), anyValue),
    ignoreResult: fc.oneof(fc.boolean(), anyValue),
    sentAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

/** JSON text of a value, or undefined when it has none (a bigint, a function, undefined). */
function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

describe('envelope decoder under generated input', () => {
  it('never crashes on arbitrary text: every rejection is an EnvelopeError with a stable code', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })), (body) => {
        decodeChecked(body);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('never crashes on arbitrary JSON values', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const outcome = decodeChecked(JSON.stringify(value));
        if (typeof value !== 'object' || value === null || Array.isArray(value)) check(outcome instanceof EnvelopeError, 'a non-object decoded');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('accepts or rejects envelope-shaped objects, a rejection naming the field at fault', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(envelopeLike, (raw) => {
        const body = toJson(raw);
        if (body === undefined) return;
        const outcome = decodeChecked(body);
        if (outcome instanceof EnvelopeError) {
          check(outcome.code === ErrorCode.ENVELOPE_INVALID, `code ${outcome.code}`);
          const named = namesField(outcome.message);
          check(named || /Envelope version .+ is newer/.test(outcome.message), `names no field: ${outcome.message}`);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('decodes envelopes with one byte flipped, cut or inserted without crashing', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const valid = JSON.stringify({
      v: 1,
      id: 'a1',
      task: 'math.add',
      args: [4, 4],
      kwargs: { k: 1 },
      retries: 2,
      eta: '2026-11-22T10:00:00.000Z',
      headers: { h: 'x' },
    });
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert'), (at, byte, how) => {
        const char = String.fromCharCode(byte);
        const body =
          how === 'flip' ? valid.slice(0, at) + char + valid.slice(at + 1) : how === 'cut' ? valid.slice(0, at) : valid.slice(0, at) + char + valid.slice(at);
        decodeChecked(body);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
