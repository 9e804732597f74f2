import { EnvelopeError, ErrorCode, type StoredError } from '../errors.js';
import type { JsonValue } from '../json.js';

/** Options a signature carries on the wire (the JSON-able part of `ApplyOptions`). */
export interface SignatureOptionsData {
  readonly queue?: string;
  readonly countdownSeconds?: number;
  readonly expires?: string | number;
  readonly headers?: Readonly<Record<string, string | number | boolean>>;
  readonly ignoreResult?: boolean;
}

/**
 * A frozen signature as it travels in an envelope's `links` / `errbacks` (Celery: a signature dict).
 * Its `id` is fixed when the workflow is sent, so sending it twice (a duplicate delivery of its
 * parent) makes one task, deduplicated by the worker's claim.
 */
export interface SignatureData {
  /** Registered task name. */
  readonly task: string;
  /** Task id given to the task when it is sent. */
  readonly id: string;
  /** Partial arguments; a mutable signature gets its parent's result (or failure) first. */
  readonly args: readonly JsonValue[];
  /** True: the parent's result is not passed (Celery: `si()`). */
  readonly immutable?: boolean;
  readonly options?: SignatureOptionsData;
  /** Sent with this task's result when it succeeds. */
  readonly links?: readonly SignatureData[];
  /** Sent with a {@link TaskFailure} when it fails. */
  readonly errbacks?: readonly SignatureData[];
  /** Group this task belongs to. */
  readonly groupId?: string;
  /** Chord this task is a member of (the chord id is its callback's task id). */
  readonly chord?: string;
}

/**
 * What an error callback (`linkError`) receives first: which task failed and why.
 * @example
 * const report = app.task('ops.report', async (failure: TaskFailure) => log(failure.error.message));
 * await charge.s('order-1').linkError(report.s()).delay();
 */
export interface TaskFailure {
  /** Id of the task that failed (for a chord: the callback's id). */
  readonly taskId: string;
  /** Its name. */
  readonly task: string;
  /** Its stored error. */
  readonly error: StoredError;
}

/**
 * Validates a signature read from an envelope.
 * @throws {EnvelopeError} naming the field when it is malformed.
 */
export function decodeSignatureData(raw: unknown, where: string, depth = 0): SignatureData {
  if (depth > 64) throw invalid(where, 'nested at most 64 levels deep', '…');
  if (!isObject(raw)) throw invalid(where, 'a signature object', raw);
  const { task, id, args = [], immutable, options, links = [], errbacks = [], groupId, chord } = raw;
  if (typeof task !== 'string' || !task) throw invalid(`${where}.task`, 'a task name', task);
  if (typeof id !== 'string' || !id || id.length > 255) throw invalid(`${where}.id`, 'a task id of 1–255 characters', id);
  if (!Array.isArray(args)) throw invalid(`${where}.args`, 'an array', args);
  if (immutable !== undefined && typeof immutable !== 'boolean') throw invalid(`${where}.immutable`, 'a boolean', immutable);
  if (options !== undefined && !isObject(options)) throw invalid(`${where}.options`, 'an object', options);
  if (!Array.isArray(links)) throw invalid(`${where}.links`, 'an array', links);
  if (!Array.isArray(errbacks)) throw invalid(`${where}.errbacks`, 'an array', errbacks);
  if (groupId !== undefined && typeof groupId !== 'string') throw invalid(`${where}.groupId`, 'a string', groupId);
  if (chord !== undefined && typeof chord !== 'string') throw invalid(`${where}.chord`, 'a string', chord);
  return {
    task,
    id,
    args: args as JsonValue[],
    ...(immutable ? { immutable } : {}),
    ...(options ? { options: options as SignatureOptionsData } : {}),
    ...(links.length ? { links: links.map((l, i) => decodeSignatureData(l, `${where}.links[${i}]`, depth + 1)) } : {}),
    ...(errbacks.length ? { errbacks: errbacks.map((l, i) => decodeSignatureData(l, `${where}.errbacks[${i}]`, depth + 1)) } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(chord !== undefined ? { chord } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, expected: string, received: unknown): EnvelopeError {
  const shown = received === undefined ? 'nothing' : (JSON.stringify(received)?.slice(0, 80) ?? String(received));
  return new EnvelopeError(ErrorCode.ENVELOPE_INVALID, `Invalid envelope: "${field}" must be ${expected}, received ${shown}.`);
}
