import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ScheduleError, UnknownTaskError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ScheduleSpec } from '../ports/scheduler.js';
import { decodeEnvelope } from '../protocol/envelope.js';
import { ScheduleHeader, SchedulerPlaceholder } from '../protocol/schedule-headers.js';
import { validateArgsNow } from '../schema.js';
import type { KwargsOf, PositionalOf } from '../task-args.js';
import { assertTimeZone, crontabToExpression, everyToExpression, parseEvery, parseScheduleExpression } from './expression.js';

/**
 * How often and with what a periodic task runs (Celery: a `beat_schedule` entry). `A` is the task's
 * parameters, `Q` the app's queue names.
 */
export type ScheduleOptions<A extends readonly unknown[] = readonly unknown[], Q extends string = string> = ScheduleTiming &
  ScheduleSettings<Q> &
  ScheduleArgs<A>;

/** A schedule's settings besides its timing and arguments. */
export interface ScheduleSettings<Q extends string = string> {
  /**
   * IANA time zone a `cron` is read in (Celery: `timezone`).
   * @default - the app's `timezone`, else 'UTC'
   */
  readonly timezone?: string;
  /**
   * Seconds after its scheduled time at which a run that has not started is dropped, recorded
   * REVOKED (Celery: `options={'expires': …}`).
   * @default - never
   */
  readonly expires?: number;
  /**
   * Whether it runs (Celery / django-celery-beat: `enabled`).
   * @default true
   */
  readonly enabled?: boolean;
  /** Shown in the AWS console and the CLI. */
  readonly description?: string;
  /**
   * Queue the runs go to: one declared in `createApp({ queues })`.
   * @default - the task's queue
   */
  readonly queue?: Q;
  /** No run before this time. */
  readonly start?: Date;
  /** No run at or after this time. */
  readonly end?: Date;
}

/**
 * A schedule's arguments: the task's parameters as `args`; or, for a task whose last parameter is
 * an object, the ones before it as `args` and that object as `kwargs` (the worker passes non-empty
 * `kwargs` as one last argument). A task whose parameters are not a fixed list takes any `kwargs`.
 */
export type ScheduleArgs<A extends readonly unknown[]> =
  | ([] extends A
      ? { /** Positional arguments of each run. */ readonly args?: A; readonly kwargs?: ExtraKwargs<A> }
      : { /** Positional arguments of each run. */ readonly args: A; readonly kwargs?: ExtraKwargs<A> })
  | ([KwargsOf<A>] extends [never]
      ? never
      : ([] extends PositionalOf<A> ? { readonly args?: PositionalOf<A> } : { readonly args: PositionalOf<A> }) & {
          /** Keyword arguments of each run: the task's last parameter. */
          readonly kwargs: KwargsOf<A>;
        });

/** Keyword arguments beside a full `args` list: any for a task taking a variable list, none otherwise. */
type ExtraKwargs<A extends readonly unknown[]> = number extends A['length'] ? Readonly<Record<string, JsonValue>> : undefined;

/** When a schedule runs: exactly one of `every` and `cron`. */
export type ScheduleTiming =
  | {
      /**
       * Interval: seconds, or a duration such as `'3s'`, `'10m'`, `'1h'` (Celery: `timedelta`).
       * From one minute up it must be whole minutes; under a minute it must divide 60: the schedule
       * then fires once a minute and the worker enqueues that minute's runs with SQS delays.
       */
      readonly every: number | string;
      readonly cron?: undefined;
    }
  | {
      /**
       * A 5-field crontab read in `timezone` (Celery: `crontab(minute=30, hour=7, day_of_week=1)` is
       * `'30 7 * * 1'`), a macro such as `'@daily'`, or a Scheduler expression `'cron(30 7 ? * MON *)'`.
       */
      readonly cron: string;
      readonly every?: undefined;
    };

/** What a schedule definition needs from its app. */
export interface ScheduleHost {
  readonly name: string;
  readonly timezone: string;
  queue(name: string): { readonly queueName: string; readonly name: string };
  findTask(
    name: string,
  ):
    | { readonly name: string; readonly options: { readonly queue: string; readonly ignoreResult: boolean; readonly argsSchema: StandardSchemaV1 | undefined } }
    | undefined;
}

/** A schedule, checked and in the form Scheduler stores. */
export interface BuiltSchedule {
  readonly spec: ScheduleSpec;
  /** Name of the task it runs. */
  readonly task: string;
  /** The interval in seconds, for `every` schedules. */
  readonly everySeconds: number | undefined;
  /** Resolves once an asynchronous args schema has checked the args (sync schemas check at once). */
  readonly checked: Promise<void>;
}

const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/** The schedule group of an app's periodic schedules. */
export function scheduleGroupOf(appName: string): string {
  return appName;
}

/** The schedule group of an app's long countdowns (one-time `at()` schedules). */
export function countdownGroupOf(appName: string): string {
  return `${appName}-eta`;
}

/**
 * Checks a schedule as AWS and the task would (name, timing, time zone, queue, the args against the
 * task's schema) and builds what Scheduler stores: the expression and the envelope it sends as Input.
 * @throws {ScheduleError} saying what to change.
 */
export function buildSchedule(host: ScheduleHost, name: string, taskName: string, options: ScheduleOptions): BuiltSchedule {
  if (!SCHEDULE_NAME.test(name)) {
    throw new ScheduleError(`Schedule name ${JSON.stringify(name)} is invalid: use 1–64 letters, digits, "-", "_" or "." (Scheduler's rule).`);
  }
  const task = host.findTask(taskName);
  if (!task) {
    throw new UnknownTaskError(taskName, [], `Schedule "${name}" of app "${host.name}"`);
  }
  const hasEvery = options.every !== undefined;
  const hasCron = options.cron !== undefined;
  if (hasEvery === hasCron) {
    throw new ScheduleError(`Schedule "${name}" needs exactly one of \`every\` (e.g. "3s", "10m") and \`cron\` (e.g. "30 7 * * 1").`);
  }
  const timezone = options.timezone ?? host.timezone;
  assertTimeZone(timezone);
  let expression: string;
  let everySeconds: number | undefined;
  let fanOutSeconds: number | undefined;
  if (hasEvery) {
    everySeconds = parseEvery(options.every!);
    ({ expression, fanOutSeconds } = everyToExpression(everySeconds));
  } else {
    expression = crontabToExpression(options.cron!);
  }
  if (options.expires !== undefined && (!Number.isFinite(options.expires) || options.expires <= 0)) {
    throw new ScheduleError(`Schedule "${name}": expires must be a number of seconds > 0, received ${options.expires}.`);
  }
  if (options.start && options.end && options.start >= options.end) {
    throw new ScheduleError(`Schedule "${name}": start must be before end.`);
  }
  const queue = host.queue(options.queue ?? task.options.queue);
  const args = (options.args ?? []) as readonly unknown[];
  if (!Array.isArray(args)) throw new ScheduleError(`Schedule "${name}": args must be an array of positional arguments.`);
  const kwargs = options.kwargs ?? {};
  const callArgs = Object.keys(kwargs).length ? [...args, kwargs] : [...args];
  const checking = validateArgsNow(task.name, task.options.argsSchema, callArgs);
  const checked = checking instanceof Promise ? checking.then(() => undefined) : Promise.resolve();

  const headers: Record<string, JsonValue> = {
    [ScheduleHeader.schedule]: SchedulerPlaceholder.scheduleArn,
    [ScheduleHeader.scheduledTime]: SchedulerPlaceholder.scheduledTime,
  };
  if (fanOutSeconds !== undefined) headers[ScheduleHeader.every] = fanOutSeconds;
  if (options.expires !== undefined) headers[ScheduleHeader.expiresIn] = options.expires;
  const input: Record<string, unknown> = { v: 1, task: task.name };
  if (args.length) input.args = args;
  if (Object.keys(kwargs).length) input.kwargs = kwargs;
  input.queue = queue.name;
  input.headers = headers;
  if (task.options.ignoreResult) input.ignoreResult = true;
  const parsed = parseScheduleExpression(expression);
  return {
    task: task.name,
    everySeconds,
    checked,
    spec: {
      group: scheduleGroupOf(host.name),
      name,
      expression,
      // rate() takes no time zone; recorded anyway so the console shows the app's.
      timezone: parsed.kind === 'rate' ? 'UTC' : timezone,
      enabled: options.enabled ?? true,
      description: options.description,
      start: options.start,
      end: options.end,
      deleteAfterCompletion: false,
      queueName: queue.queueName,
      input: JSON.stringify(input),
    },
  };
}

/** What a stored schedule's Input says, read back for the CLI and the dashboard. */
export interface ScheduleInput {
  readonly task: string | undefined;
  readonly args: readonly JsonValue[];
  readonly kwargs: Readonly<Record<string, JsonValue>>;
  readonly queue: string | undefined;
  /** Sub-minute interval of a fan-out schedule, in seconds. */
  readonly fanOutSeconds: number | undefined;
  /** Seconds after its scheduled time a run expires. */
  readonly expiresSeconds: number | undefined;
  /** Why a run of it would fail (not JSON, not an envelope, unknown task, args failing the schema). */
  readonly problem: string | undefined;
}

/**
 * Reads a schedule's Input as the worker will, and says what would go wrong without running it.
 * Only checks that can be made synchronously (an asynchronous schema is checked by the worker).
 */
export function readScheduleInput(host: Pick<ScheduleHost, 'findTask'>, input: string | undefined): ScheduleInput {
  const empty = { task: undefined, args: [], kwargs: {}, queue: undefined, fanOutSeconds: undefined, expiresSeconds: undefined };
  if (input === undefined) return { ...empty, problem: 'the schedule has no Input: its messages would not name a task' };
  let envelope;
  try {
    envelope = decodeEnvelope(input, { messageId: 'preview' });
  } catch (error) {
    return { ...empty, problem: (error as Error).message };
  }
  const every = envelope.headers[ScheduleHeader.every];
  const expires = envelope.headers[ScheduleHeader.expiresIn];
  const read: Omit<ScheduleInput, 'problem'> = {
    task: envelope.task,
    args: envelope.args,
    kwargs: envelope.kwargs,
    queue: envelope.queue ?? undefined,
    fanOutSeconds: typeof every === 'number' ? every : undefined,
    expiresSeconds: typeof expires === 'number' ? expires : undefined,
  };
  const task = host.findTask(envelope.task);
  if (!task) return { ...read, problem: `unknown task "${envelope.task}"` };
  const callArgs = Object.keys(envelope.kwargs).length ? [...envelope.args, envelope.kwargs] : [...envelope.args];
  try {
    const checking = validateArgsNow(task.name, task.options.argsSchema, callArgs);
    if (checking instanceof Promise) checking.catch(() => undefined);
  } catch (error) {
    return { ...read, problem: (error as Error).message };
  }
  return { ...read, problem: undefined };
}
