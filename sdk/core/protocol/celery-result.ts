/**
 * The task meta Celery's result backends store (`{status, result, traceback, children, date_done,
 * task_id}`), written from a celeriac record and read back, and the mapping of errors between the two:
 * celeriac's error types to Python exceptions a Celery client can `except`, and Celery's stored
 * exceptions to celeriac's {@link StoredError}. Pure.
 */
import type { StoredError } from '../errors.js';
import type { JsonValue } from '../json.js';

/** A stored Python exception, as Celery's JSON serializer writes it. */
export interface CeleryException {
  /** The class name (`__qualname__`), e.g. `ValueError`. */
  readonly exc_type: string;
  /** The exception's args. */
  readonly exc_message: readonly JsonValue[];
  /** The class's module, e.g. `builtins`. */
  readonly exc_module: string;
}

/** Python built-in exceptions a client can catch by name, stored under `builtins`. */
const PYTHON_BUILTINS = new Set([
  'Exception', 'ArithmeticError', 'AssertionError', 'AttributeError', 'ConnectionError', 'FileNotFoundError', 'IndexError', 'KeyError',
  'LookupError', 'NameError', 'NotImplementedError', 'OSError', 'OverflowError', 'PermissionError', 'RuntimeError', 'TimeoutError',
  'TypeError', 'UnicodeError', 'ValueError', 'ZeroDivisionError',
]);

/** JavaScript's built-in errors, as the Python exception that means the same. */
const JS_TO_PYTHON: Readonly<Record<string, string>> = {
  Error: 'Exception',
  RangeError: 'ValueError',
  SyntaxError: 'ValueError',
  URIError: 'ValueError',
  ReferenceError: 'NameError',
  EvalError: 'RuntimeError',
  AggregateError: 'Exception',
};

/** celeriac's error codes that have a Celery or Python counterpart. */
const CODE_TO_PYTHON: Readonly<Record<string, { type: string; module: string }>> = {
  ARGS_INVALID: { type: 'ValueError', module: 'builtins' },
  UNKNOWN_TASK: { type: 'NotRegistered', module: 'celery.exceptions' },
  TASK_REVOKED: { type: 'TaskRevokedError', module: 'celery.exceptions' },
  TIME_LIMIT_EXCEEDED: { type: 'TimeLimitExceeded', module: 'celery.exceptions' },
  SOFT_TIME_LIMIT_EXCEEDED: { type: 'SoftTimeLimitExceeded', module: 'celery.exceptions' },
  MAX_RETRIES_EXCEEDED: { type: 'MaxRetriesExceededError', module: 'celery.exceptions' },
  CHORD_FAILED: { type: 'ChordError', module: 'celery.exceptions' },
  CELERY_NOT_SUPPORTED: { type: 'NotImplementedError', module: 'builtins' },
  CELERY_MESSAGE_INVALID: { type: 'ValueError', module: 'builtins' },
  ENVELOPE_INVALID: { type: 'ValueError', module: 'builtins' },
  MESSAGE_NOT_JSON: { type: 'ValueError', module: 'builtins' },
};

/** Module of celeriac's own error types on the Python side: a client rebuilds them as a plain `Exception` subclass. */
export const CELERIAC_EXCEPTION_MODULE = 'celeriac.errors';

/**
 * The Python exception a Celery client raises for a celeriac failure: a Python built-in name (a JS
 * error named `ValueError`, or `RangeError`) under `builtins`, a celeriac code under its Celery
 * counterpart, anything else under `celeriac.errors` (which the client rebuilds as an `Exception`).
 * @example
 * toCeleryException({ type: 'RangeError', message: 'n < 0' }) // { exc_type: 'ValueError', exc_message: ['n < 0'], exc_module: 'builtins' }
 */
export function toCeleryException(error: StoredError): CeleryException {
  const byCode = error.code ? CODE_TO_PYTHON[error.code] : undefined;
  if (byCode) return { exc_type: byCode.type, exc_message: [error.message], exc_module: byCode.module };
  const type = PYTHON_BUILTINS.has(error.type) ? error.type : JS_TO_PYTHON[error.type];
  if (type) return { exc_type: type, exc_message: [error.message], exc_module: 'builtins' };
  const identifier = error.type.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1') || 'Exception';
  return { exc_type: identifier, exc_message: [error.message], exc_module: CELERIAC_EXCEPTION_MODULE };
}

/**
 * A stored Celery exception as celeriac's error: its type, its args joined as the message.
 * @example
 * fromCeleryException({ exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }) // { type: 'ValueError', message: 'boom' }
 */
export function fromCeleryException(raw: unknown, traceback?: unknown): StoredError {
  const exc = isObject(raw) ? raw : {};
  const type = typeof exc.exc_type === 'string' && exc.exc_type ? exc.exc_type : 'Exception';
  const args = Array.isArray(exc.exc_message) ? exc.exc_message : exc.exc_message === undefined ? [] : [exc.exc_message];
  const message = args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(', ');
  return {
    type,
    ...(typeof exc.exc_module === 'string' ? { code: `${exc.exc_module}.${type}` } : {}),
    message,
    ...(typeof traceback === 'string' && traceback ? { stack: traceback } : {}),
  };
}

/** The part of a task record the meta is written from. */
export interface CeleryMetaSource {
  readonly id: string;
  readonly state: string;
  readonly result?: JsonValue;
  readonly error?: StoredError;
  readonly dateDone?: Date;
  readonly children?: readonly string[];
  readonly parentId?: string;
  readonly groupId?: string;
  readonly workerId?: string;
}

/** Key of celeriac's own result inside the meta, when Celery's `result` holds something else (a FAILURE's exception). */
export const CELERIAC_RESULT_KEY = 'celeriac_result';

/**
 * The meta Celery's backend would have stored for this record: what `AsyncResult(id)` reads.
 * @example
 * celeryMetaOf({ id: 't1', state: 'SUCCESS', result: 8, dateDone: new Date() }).status // 'SUCCESS'
 */
export function celeryMetaOf(record: CeleryMetaSource): Record<string, JsonValue> {
  const failed = record.state === 'FAILURE' || record.state === 'RETRY' || record.state === 'REVOKED';
  let result: JsonValue = record.result ?? null;
  let traceback: JsonValue = null;
  if (failed) {
    const error = record.error ?? { type: 'Exception', message: `Task ${record.id} ended in ${record.state}` };
    result = toCeleryException(error) as unknown as JsonValue;
    traceback = error.stack ?? null;
  } else if (record.state === 'STARTED') {
    result = { pid: 0, hostname: record.workerId ?? 'celeriac' };
    traceback = '';
  }
  return {
    status: record.state,
    result,
    traceback,
    children: (record.children ?? []).map((id) => [[id, null], null]),
    date_done: record.dateDone ? pythonIsoTime(record.dateDone) : null,
    ...(record.groupId ? { group_id: record.groupId } : {}),
    ...(record.parentId ? { parent_id: record.parentId } : {}),
    task_id: record.id,
    ...(failed && record.result !== undefined ? { [CELERIAC_RESULT_KEY]: record.result } : {}),
  };
}

/** What a Celery meta says, in celeriac's terms. */
export interface CeleryOutcome {
  readonly state: string;
  readonly result?: JsonValue;
  readonly error?: StoredError;
  readonly dateDone?: Date;
  readonly children?: string[];
}

/**
 * Reads a Celery task meta (from Celery's backend, or one celeriac wrote).
 * @example
 * fromCeleryMeta({ status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: ['k'], exc_module: 'builtins' } }).error?.type // 'KeyError'
 */
export function fromCeleryMeta(meta: unknown): CeleryOutcome {
  const m = isObject(meta) ? meta : {};
  const state = typeof m.status === 'string' ? m.status : 'PENDING';
  const failed = state === 'FAILURE' || state === 'RETRY' || state === 'REVOKED';
  const date = typeof m.date_done === 'string' ? Date.parse(m.date_done) : NaN;
  const children = Array.isArray(m.children)
    ? m.children.flatMap((child) => (Array.isArray(child) && Array.isArray(child[0]) && typeof child[0][0] === 'string' ? [child[0][0] as string] : []))
    : [];
  return {
    state,
    ...(failed ? { error: fromCeleryException(m.result, m.traceback) } : {}),
    ...(state === 'SUCCESS' && m.result !== undefined ? { result: m.result as JsonValue } : {}),
    ...(state !== 'SUCCESS' && m[CELERIAC_RESULT_KEY] !== undefined ? { result: m[CELERIAC_RESULT_KEY] as JsonValue } : {}),
    ...(Number.isFinite(date) ? { dateDone: new Date(date) } : {}),
    ...(children.length ? { children } : {}),
  };
}

/** `2026-12-03T20:10:03.057000+00:00`: Python's `isoformat()` of an aware UTC datetime. */
export function pythonIsoTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
