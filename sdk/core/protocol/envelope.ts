import { ENVELOPE_VERSION } from '../defaults.js';
import { EnvelopeError, ErrorCode } from '../errors.js';
import type { JsonValue } from '../json.js';
import { decodeSignatureData, type SignatureData } from '../canvas/signature-data.js';
import { SUB_MINUTE_INTERVALS } from '../schedule/intervals.js';
import { ScheduleHeader, scheduleRunOf, scheduleRunTaskId, type ScheduleRun } from './schedule-headers.js';

/**
 * The message celeriac puts on a queue (JSON, versioned, language-neutral). Only `task` is required
 * on the wire: a hand-written `{"task":"reports.daily"}` is a valid message, the worker filling in
 * the rest. This is the decoded form, with every field filled.
 */
export interface Envelope {
  /** Envelope version. */
  readonly v: number;
  /** Task id (a UUID when celeriac made it; derived from the SQS message id when the message had none). */
  readonly id: string;
  /** Registered task name, e.g. `math.add`. */
  readonly task: string;
  /** Positional arguments. */
  readonly args: readonly JsonValue[];
  /** Keyword arguments; when not empty, passed to the task as one extra, last argument. */
  readonly kwargs: Readonly<Record<string, JsonValue>>;
  /** Retries already made, as known to the sender. */
  readonly retries: number;
  /** Earliest time to run (ISO 8601), or null. */
  readonly eta: string | null;
  /** Time after which the task must not run any more (ISO 8601), or null. */
  readonly expires: string | null;
  /** Logical queue name, or null when unknown (a hand-written message). */
  readonly queue: string | null;
  /** Id of the task that sent this one, or null. */
  readonly parentId: string | null;
  /** Id of the first task of the workflow, or null. */
  readonly rootId: string | null;
  /** Id of the group this task belongs to, or null. */
  readonly groupId: string | null;
  /** Signatures sent with the result when the task succeeds (chains, `link`). */
  readonly links: readonly SignatureData[];
  /** Signatures sent with a `TaskFailure` when the task fails (`linkError`). */
  readonly errbacks: readonly SignatureData[];
  /** Id of the chord this task is a member of (its callback's task id), or null. */
  readonly chord: string | null;
  /** Free-form headers (tracing, sender, schedule). */
  readonly headers: Readonly<Record<string, JsonValue>>;
  /** Whether the worker stores the result (not on the wire when false). */
  readonly ignoreResult: boolean;
  /** When the sender sent it (ISO 8601), or null. */
  readonly sentAt: string | null;
}

/** What the worker knows about a message besides its body, used to fill in a missing id. */
export interface EnvelopeSource {
  /** The broker's message id (SQS `messageId`). */
  readonly messageId?: string;
}

/** Serialises an envelope to its JSON wire form, dropping fields that hold their default. */
export function encodeEnvelope(envelope: Envelope): string {
  const wire: Record<string, unknown> = { v: envelope.v, id: envelope.id, task: envelope.task };
  if (envelope.args.length) wire.args = envelope.args;
  if (Object.keys(envelope.kwargs).length) wire.kwargs = envelope.kwargs;
  if (envelope.retries) wire.retries = envelope.retries;
  for (const key of ['eta', 'expires', 'queue', 'parentId', 'rootId', 'groupId', 'chord', 'sentAt'] as const) {
    if (envelope[key] !== null) wire[key] = envelope[key];
  }
  if (envelope.links.length) wire.links = envelope.links;
  if (envelope.errbacks.length) wire.errbacks = envelope.errbacks;
  if (Object.keys(envelope.headers).length) wire.headers = envelope.headers;
  if (envelope.ignoreResult) wire.ignoreResult = true;
  return JSON.stringify(wire);
}

/**
 * Parses and validates a message body.
 * @throws {EnvelopeError} `MESSAGE_NOT_JSON` when the body is not JSON, `ENVELOPE_INVALID` when a field
 *   has the wrong type (the message names the field, what was expected and what was received).
 * @example
 * decodeEnvelope('{"task":"math.add","args":[4,4]}', { messageId: 'm-1' }).id // 'sqs-m-1'
 */
export function decodeEnvelope(body: string, source: EnvelopeSource = {}): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new EnvelopeError(
      ErrorCode.MESSAGE_NOT_JSON,
      `Message body is not JSON (${(cause as Error).message}); body starts with ${JSON.stringify(body.slice(0, 80))}. ` +
        'A celeriac message is a JSON object such as {"task":"math.add","args":[4,4]}.',
      { cause },
    );
  }
  if (!isObject(raw)) {
    throw invalid('the message', 'a JSON object such as {"task":"math.add"}', raw);
  }
  const v = raw.v ?? ENVELOPE_VERSION;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid('v', 'a positive integer', v);
  if (v > ENVELOPE_VERSION) {
    throw new EnvelopeError(
      ErrorCode.ENVELOPE_INVALID,
      `Envelope version ${v} is newer than this worker understands (${ENVELOPE_VERSION}): deploy the newer celeriac to the worker.`,
    );
  }
  const task = raw.task;
  if (typeof task !== 'string' || task.length === 0) throw invalid('task', 'a non-empty string naming a registered task', task);

  const headers = raw.headers ?? {};
  if (!isObject(headers)) throw invalid('headers', 'an object', headers);
  const run = scheduleRunOf(headers as Record<string, JsonValue>);

  let id = raw.id;
  if (id === undefined || id === null) {
    // A schedule's run is named by its schedule and time, so its duplicates share one id.
    id = run ? scheduleRunTaskId(run) : undefined;
    if (id === undefined && !source.messageId) throw invalid('id', 'a string (or a broker message id to derive it from)', raw.id);
    id ??= `sqs-${source.messageId}`;
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) throw invalid('id', 'a string of 1 to 255 characters', id);

  const args = raw.args ?? [];
  if (!Array.isArray(args)) throw invalid('args', 'an array', args);
  const kwargs = raw.kwargs ?? {};
  if (!isObject(kwargs)) throw invalid('kwargs', 'an object', kwargs);
  const retries = raw.retries ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) throw invalid('retries', 'a non-negative integer', retries);
  const links = raw.links ?? [];
  if (!Array.isArray(links)) throw invalid('links', 'an array', links);
  const errbacks = raw.errbacks ?? [];
  if (!Array.isArray(errbacks)) throw invalid('errbacks', 'an array', errbacks);
  checkScheduleHeaders(headers);
  const ignoreResult = raw.ignoreResult ?? false;
  if (typeof ignoreResult !== 'boolean') throw invalid('ignoreResult', 'a boolean', ignoreResult);

  return {
    v,
    id,
    task,
    args: args as JsonValue[],
    kwargs: kwargs as Record<string, JsonValue>,
    retries,
    eta: optionalTime(raw, 'eta'),
    expires: optionalTime(raw, 'expires') ?? expiresAfterRun(headers, run),
    queue: optionalString(raw, 'queue'),
    parentId: optionalString(raw, 'parentId'),
    rootId: optionalString(raw, 'rootId'),
    groupId: optionalString(raw, 'groupId'),
    chord: optionalString(raw, 'chord'),
    links: links.map((link, i) => decodeSignatureData(link, `links[${i}]`)),
    errbacks: errbacks.map((link, i) => decodeSignatureData(link, `errbacks[${i}]`)),
    headers: headers as Record<string, JsonValue>,
    ignoreResult,
    sentAt: optionalTime(raw, 'sentAt'),
  };
}

/**
 * Reads the task id from a body that may not be a valid envelope, so a poison message can still be
 * recorded under its id. Returns undefined when no id can be read.
 */
export function salvageTaskId(body: string, source: EnvelopeSource = {}): string | undefined {
  try {
    const raw: unknown = JSON.parse(body);
    if (isObject(raw) && typeof raw.id === 'string' && raw.id.length > 0 && raw.id.length <= 255) return raw.id;
  } catch {
    // not JSON: fall through to the message id
  }
  return source.messageId ? `sqs-${source.messageId}` : undefined;
}

/** Reads the task name from a body that may not be a valid envelope. */
export function salvageTaskName(body: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(body);
    if (isObject(raw) && typeof raw.task === 'string' && raw.task.length > 0) return raw.task;
  } catch {
    // not JSON
  }
  return undefined;
}

function checkScheduleHeaders(headers: Record<string, unknown>): void {
  const every = headers[ScheduleHeader.every];
  if (every !== undefined && !(SUB_MINUTE_INTERVALS as readonly unknown[]).includes(every)) {
    throw invalid(`headers.${ScheduleHeader.every}`, `a number of seconds dividing a minute (${SUB_MINUTE_INTERVALS.join(', ')})`, every);
  }
  const expiresIn = headers[ScheduleHeader.expiresIn];
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0)) {
    throw invalid(`headers.${ScheduleHeader.expiresIn}`, 'a number of seconds > 0', expiresIn);
  }
}

/** A schedule's `expires` is relative to each run's scheduled time. */
function expiresAfterRun(headers: Record<string, unknown>, run: ScheduleRun | undefined): string | null {
  const seconds = headers[ScheduleHeader.expiresIn];
  if (typeof seconds !== 'number' || !run?.scheduledTime) return null;
  return new Date(Date.parse(run.scheduledTime) + seconds * 1000).toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(raw: Record<string, unknown>, key: string): string | null {
  const value = raw[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(key, 'a string or null', value);
  return value;
}

function optionalTime(raw: Record<string, unknown>, key: string): string | null {
  const value = optionalString(raw, key);
  if (value !== null && Number.isNaN(Date.parse(value))) throw invalid(key, 'an ISO 8601 date-time', value);
  return value;
}

function invalid(field: string, expected: string, received: unknown): EnvelopeError {
  const shown = received === undefined ? 'nothing' : (JSON.stringify(received)?.slice(0, 80) ?? String(received));
  return new EnvelopeError(ErrorCode.ENVELOPE_INVALID, `Invalid envelope: "${field}" must be ${expected}, received ${shown}.`);
}
