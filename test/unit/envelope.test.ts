import { describe, expect, it } from 'vitest';
import { ENVELOPE_VERSION } from '../../sdk/core/defaults.js';
import { EnvelopeError, ErrorCode } from '../../sdk/core/errors.js';
import { decodeEnvelope, encodeEnvelope, salvageTaskId, salvageTaskName } from '../../sdk/core/protocol/envelope.js';
import { envelope, fullEnvelope, wire } from '../fixtures/envelopes.js';

function decodeError(body: string, source = { messageId: 'm-1' }): EnvelopeError {
  try {
    decodeEnvelope(body, source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  throw new Error(`decodeEnvelope accepted ${body}`);
}

describe('decodeEnvelope', () => {
  it('accepts a message holding only a task name and fills in every other field', () => {
    expect(decodeEnvelope('{"task":"reports.daily"}', { messageId: 'abc-123' })).toEqual(envelope({ id: 'sqs-abc-123', task: 'reports.daily' }));
  });

  it('derives the id from the broker message id as sqs-<messageId>', () => {
    expect(decodeEnvelope(wire({ task: 't' }), { messageId: '9f1c' }).id).toBe('sqs-9f1c');
    expect(decodeEnvelope(wire({ task: 't', id: null }), { messageId: '9f1c' }).id).toBe('sqs-9f1c');
  });

  it('keeps an id the message carries over the broker message id', () => {
    expect(decodeEnvelope(wire({ task: 't', id: 'mine' }), { messageId: '9f1c' }).id).toBe('mine');
  });

  it('refuses a message with no id when there is no broker message id to derive one from', () => {
    const error = decodeError(wire({ task: 't' }), {} as { messageId: string });
    expect(error.code).toBe(ErrorCode.ENVELOPE_INVALID);
    expect(error.message).toContain('"id"');
  });

  it('throws MESSAGE_NOT_JSON for a body that is not JSON, quoting its start', () => {
    const error = decodeError('task=math.add&args=4,4');
    expect(error.code).toBe(ErrorCode.MESSAGE_NOT_JSON);
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('task=math.add');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"math.add"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('throws ENVELOPE_INVALID for JSON that is %s rather than an object', (_label, body) => {
    const error = decodeError(body);
    expect(error.code).toBe(ErrorCode.ENVELOPE_INVALID);
    expect(error.message).toContain('JSON object');
  });

  it.each<[string, string, unknown, string]>([
    ['task', 'missing', undefined, 'nothing'],
    ['task', "''", '', '""'],
    ['task', '42', 42, '42'],
    ['v', "'one'", 'one', '"one"'],
    ['v', '0', 0, '0'],
    ['v', '1.5', 1.5, '1.5'],
    ['id', "''", '', '""'],
    ['id', '256 characters long', 'x'.repeat(256), '"xxxx'],
    ['id', '7', 7, '7'],
    ['args', '{ a: 1 }', { a: 1 }, '{"a":1}'],
    ['args', "'x'", 'x', '"x"'],
    ['kwargs', '[1]', [1], '[1]'],
    ['kwargs', "'k'", 'k', '"k"'],
    ['retries', '-1', -1, '-1'],
    ['retries', '1.5', 1.5, '1.5'],
    ['retries', "'2'", '2', '"2"'],
    ['eta', "'tomorrow'", 'tomorrow', '"tomorrow"'],
    ['eta', '1735689600', 1735689600, '1735689600'],
    ['expires', "'soon'", 'soon', '"soon"'],
    ['sentAt', 'true', true, 'true'],
    ['queue', '5', 5, '5'],
    ['parentId', '{}', {}, '{}'],
    ['rootId', '[]', [], '[]'],
    ['groupId', '1', 1, '1'],
    ['links', '{}', {}, '{}'],
    ['headers', '[]', [], '[]'],
    ['ignoreResult', "'yes'", 'yes', '"yes"'],
  ])('throws ENVELOPE_INVALID naming "%s" when it is %s', (field, _description, value, shown) => {
    const fields: Record<string, unknown> = { task: 'math.add', id: 'id-1', [field]: value };
    if (value === undefined) delete fields[field];

    const error = decodeError(wire(fields));

    expect(error.code).toBe(ErrorCode.ENVELOPE_INVALID);
    expect(error.name).toBe('EnvelopeError');
    expect(error.message).toContain(`"${field}"`);
    expect(error.message).toContain(`received ${shown}`);
  });

  it('refuses an envelope newer than this worker understands, saying what to deploy', () => {
    const error = decodeError(wire({ v: ENVELOPE_VERSION + 1, task: 't' }));
    expect(error.code).toBe(ErrorCode.ENVELOPE_INVALID);
    expect(error.message).toContain(`version ${ENVELOPE_VERSION + 1}`);
    expect(error.message).toContain('deploy');
  });

  it('accepts an explicit current version and explicit nulls', () => {
    const body = wire({ v: ENVELOPE_VERSION, task: 't', id: 'x', eta: null, expires: null, queue: null, parentId: null });
    expect(decodeEnvelope(body)).toEqual(envelope({ id: 'x', task: 't' }));
  });
});

describe('encodeEnvelope', () => {
  it('writes only v, id and task for an envelope whose other fields hold their defaults', () => {
    expect(JSON.parse(encodeEnvelope(envelope({ id: 'id-1', task: 'math.add' })))).toEqual({ v: ENVELOPE_VERSION, id: 'id-1', task: 'math.add' });
  });

  it('writes every field that differs from its default', () => {
    const full = fullEnvelope();
    expect(Object.keys(JSON.parse(encodeEnvelope(full))).sort()).toEqual(Object.keys(full).sort());
  });

  it.each([
    ['a minimal envelope', envelope({ id: 'id-1' })],
    ['an envelope with every field set', fullEnvelope()],
    ['unicode arguments', envelope({ args: ['Grüße 🥕', { 東京: ['\u0000', '"'] }] })],
    ['retries without eta', envelope({ retries: 5, queue: 'default' })],
  ])('round-trips %s through decode(encode(x))', (_label, value) => {
    expect(decodeEnvelope(encodeEnvelope(value))).toEqual(value);
  });
});

describe('salvageTaskId / salvageTaskName', () => {
  it('reads the id and task of a body that is JSON but not a valid envelope', () => {
    const body = wire({ id: 'abc', task: 'math.add', args: 'not-an-array' });
    expect(salvageTaskId(body, { messageId: 'm' })).toBe('abc');
    expect(salvageTaskName(body)).toBe('math.add');
  });

  it('falls back to sqs-<messageId> for a body that is not JSON', () => {
    expect(salvageTaskId('}{', { messageId: 'm-7' })).toBe('sqs-m-7');
    expect(salvageTaskName('}{')).toBeUndefined();
  });

  it('returns undefined when neither the body nor the source gives an id', () => {
    expect(salvageTaskId('}{')).toBeUndefined();
  });
});
