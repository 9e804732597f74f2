/**
 * How a task is sent: the envelope a call becomes, and the app a task sends through. Tasks, canvas
 * and the worker share this module; the package's public entry points do not export it, so a caller
 * holding a typed `Task` has no way around its argument types.
 */
import { randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { AsyncResult } from './async-result.js';
import type { SignatureData } from './canvas/signature-data.js';
import { maybeCurrentTask, recordChild } from './context.js';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, ENVELOPE_VERSION, MAX_DELAY_SECONDS } from './defaults.js';
import { OptionsError } from './errors.js';
import type { JsonValue } from './json.js';
import type { ApplyOptions, ErrorClass } from './options.js';
import type { Clock } from './ports/clock.js';
import type { ResultBackend } from './ports/result-backend.js';
import type { Envelope } from './protocol/envelope.js';
import type { RateLimit } from './rate-limit.js';
import type { RetryPolicy } from './retry.js';
import { validateArgs } from './schema.js';

/** A task's settings once app defaults are applied. */
export interface ResolvedTaskOptions {
  readonly queue: string;
  readonly retry: RetryPolicy;
  readonly resultExpiresSeconds: number;
  readonly ignoreResult: boolean;
  readonly duplicateProtection: boolean;
  readonly listed: boolean;
  readonly argsSchema: StandardSchemaV1 | undefined;
  readonly autoretryFor: readonly ErrorClass[] | ((error: unknown) => boolean) | undefined;
  readonly storeErrorsEvenIfIgnored: boolean;
  readonly rateLimit: RateLimit | undefined;
  readonly softTimeLimitSeconds: number | undefined;
  readonly timeLimitSeconds: number | undefined;
  readonly redact: boolean | ((args: readonly unknown[]) => unknown);
}

/** A registered task as sending sees it: its name and settings (a `Task` is one). */
export interface SendableTask {
  readonly name: string;
  readonly options: ResolvedTaskOptions;
}

/** What a task needs from its app to send itself (and what canvas needs to send workflows). `App` implements it. */
export interface TaskHost {
  readonly clock: Clock;
  /** The app's default record TTL, in seconds. */
  readonly resultExpiresSeconds: number;
  publish(queue: string, taskName: string, envelope: Envelope, delaySeconds: number): Promise<void>;
  /** Sends a message at a time beyond the broker's delay limit (a one-time schedule). */
  publishLater(queue: string, envelope: Envelope, at: Date): Promise<void>;
  asyncResult<R>(id: string): AsyncResult<R>;
  assertQueue(queue: string): void;
  /** The registered task of that name. */
  getTask(name: string): SendableTask;
  backend(): ResultBackend;
}

/** Workflow fields of an envelope, set by canvas (chains, groups, chords, links). */
export interface WorkflowFields {
  readonly links?: readonly SignatureData[];
  readonly errbacks?: readonly SignatureData[];
  readonly groupId?: string;
  readonly chord?: string;
  /** Sender, when not the task running in this scope (the worker sending links). */
  readonly parentId?: string;
  readonly rootId?: string;
}

/** A call's options as sending reads them: `applyAsync()`'s, plus keyword arguments. */
export type SendOptions = ApplyOptions<string> & { readonly kwargs?: Readonly<Record<string, unknown>> };

/**
 * Where a task's app is kept: a property under a registered symbol, not enumerable and not in the
 * task's type. Registered (`Symbol.for`) so a second copy of the SDK in the process (an ES module
 * and a CommonJS load of the same package) still finds it.
 */
const HOST = Symbol.for('celeriac.task.host');

/** Binds a task to the app it sends through (done once, by `Task`'s constructor). */
export function bindTaskHost(task: SendableTask, host: TaskHost): void {
  Object.defineProperty(task, HOST, { value: host, enumerable: false, writable: false, configurable: false });
}

/** The app a task sends through. */
export function taskHost(task: SendableTask): TaskHost {
  const host = (task as unknown as Record<symbol, TaskHost | undefined>)[HOST];
  if (!host) throw new TypeError(`Task "${task.name}" was not made by app.task(): it has no app to send through.`);
  return host;
}

/**
 * Sends a task with these arguments, options and workflow fields: the path of `delay()`,
 * `applyAsync()`, canvas and the worker's links.
 * @throws {ArgsValidationError} when the arguments fail the task's `argsSchema`.
 * @throws {OptionsError} when an option is out of range.
 */
export async function sendTask<R>(task: SendableTask, args: readonly unknown[], options: SendOptions, workflow: WorkflowFields): Promise<AsyncResult<R>> {
  const host = taskHost(task);
  const now = host.clock.now();
  const queue = options.queue ?? task.options.queue;
  host.assertQueue(queue);
  const delaySeconds = resolveDelaySeconds(options, now);
  const { positional, kwargs } = splitKwargs(args, options.kwargs);
  // The schema sees the arguments as the worker will pass them: keyword arguments last.
  await validateArgs(task.name, task.options.argsSchema, Object.keys(kwargs).length ? [...positional, kwargs] : positional);
  const id = options.taskId ?? randomUUID();
  if (options.taskId !== undefined && (options.taskId.length === 0 || options.taskId.length > 255)) {
    throw new OptionsError(`taskId must be 1 to 255 characters, received ${options.taskId.length}`);
  }
  const parent = maybeCurrentTask();
  if (options.idempotencyKey !== undefined) {
    const existing = await reserveIdempotencyKey(host, task.name, options, id, now);
    if (existing !== undefined) return host.asyncResult<R>(existing);
  }
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    id,
    task: task.name,
    args: positional as unknown as JsonValue[],
    kwargs: kwargs as Record<string, JsonValue>,
    retries: 0,
    eta: delaySeconds > 0 ? new Date(now + delaySeconds * 1000).toISOString() : null,
    expires: resolveExpires(options.expires, now),
    queue,
    parentId: workflow.parentId ?? parent?.id ?? null,
    rootId: workflow.rootId ?? parent?.rootId ?? null,
    groupId: workflow.groupId ?? null,
    chord: workflow.chord ?? null,
    links: workflow.links ?? [],
    errbacks: workflow.errbacks ?? [],
    headers: options.headers ?? {},
    ignoreResult: options.ignoreResult ?? task.options.ignoreResult,
    sentAt: new Date(now).toISOString(),
  };
  try {
    if (delaySeconds > MAX_DELAY_SECONDS) {
      // Beyond SQS's 15 minutes: a one-time schedule sends it; the worker still honours the exact eta.
      await host.publishLater(queue, envelope, new Date(Math.floor((now + delaySeconds * 1000) / 1000) * 1000));
    } else {
      await host.publish(queue, task.name, envelope, delaySeconds);
    }
  } catch (error) {
    if (options.idempotencyKey !== undefined) {
      await host
        .backend()
        .releaseIdempotencyKey(idempotencyKeyOf(task.name, options.idempotencyKey), id)
        .catch(() => undefined);
    }
    throw error;
  }
  if (parent && workflow.parentId === undefined) recordChild(parent, id);
  return host.asyncResult<R>(id);
}

/**
 * The message's positional arguments and keyword arguments. The worker passes non-empty keyword
 * arguments as one last argument; empty ones travel positionally so the task still gets its object.
 */
function splitKwargs(
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>> | undefined,
): { positional: unknown[]; kwargs: Readonly<Record<string, unknown>> } {
  if (kwargs === undefined) return { positional: [...args], kwargs: {} };
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new OptionsError(`kwargs must be a plain object of keyword arguments, received ${JSON.stringify(kwargs)}. Pass positional arguments in args.`);
  }
  return Object.keys(kwargs).length ? { positional: [...args], kwargs } : { positional: [...args, kwargs], kwargs: {} };
}

/** Reserves the call's idempotency key; returns the id of the earlier task holding it, if any. */
async function reserveIdempotencyKey(host: TaskHost, taskName: string, options: ApplyOptions<string>, id: string, now: number): Promise<string | undefined> {
  const key = options.idempotencyKey!;
  const window = options.idempotencyWindowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
  if (key.length === 0 || key.length > 512) throw new OptionsError(`idempotencyKey must be 1 to 512 characters, received ${key.length}`);
  if (!Number.isInteger(window) || window < 1) throw new OptionsError(`idempotencyWindowSeconds must be an integer ≥ 1, received ${window}`);
  const outcome = await host.backend().reserveIdempotencyKey({
    key: idempotencyKeyOf(taskName, key),
    taskId: id,
    now: new Date(now),
    windowEndsAt: Math.ceil(now / 1000) + window,
  });
  return outcome.status === 'taken' ? outcome.taskId : undefined;
}

function idempotencyKeyOf(taskName: string, key: string): string {
  return `${taskName}#${key}`;
}

function resolveDelaySeconds(options: ApplyOptions<string>, now: number): number {
  const { countdownSeconds, eta } = options;
  if (countdownSeconds !== undefined && eta !== undefined) {
    throw new OptionsError('Give either countdownSeconds or eta, not both.');
  }
  let seconds = 0;
  if (countdownSeconds !== undefined) {
    if (!Number.isFinite(countdownSeconds) || countdownSeconds < 0) {
      throw new OptionsError(`countdownSeconds must be a number ≥ 0, received ${countdownSeconds}`);
    }
    seconds = Math.ceil(countdownSeconds);
  } else if (eta !== undefined) {
    const at = toTime(eta, 'eta');
    seconds = Math.max(0, Math.ceil((at - now) / 1000));
  }
  return seconds;
}

function resolveExpires(expires: ApplyOptions<string>['expires'], now: number): string | null {
  if (expires === undefined) return null;
  if (typeof expires === 'number') {
    if (!Number.isFinite(expires) || expires <= 0) throw new OptionsError(`expires in seconds must be > 0, received ${expires}`);
    return new Date(now + expires * 1000).toISOString();
  }
  return new Date(toTime(expires, 'expires')).toISOString();
}

function toTime(value: Date | string, field: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new OptionsError(`${field} must be a valid date or ISO 8601 string, received ${String(value)}`);
  return time;
}
