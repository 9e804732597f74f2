import { createHash } from 'node:crypto';
import { ErrorCode, PayloadTooLargeError, ScheduleError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ScheduleSpec, Scheduler, StoredSchedule } from '../ports/scheduler.js';
import { atExpression, nextRunTimes, parseScheduleExpression } from './expression.js';
import { buildSchedule, countdownGroupOf, readScheduleInput, scheduleGroupOf, type ScheduleHost, type ScheduleOptions } from './definition.js';

/** A schedule as the CLI, the dashboard and `app.schedules` show it. */
export interface ScheduleInfo {
  readonly name: string;
  readonly group: string;
  readonly arn: string;
  /** Task it runs, read from its Input (undefined when the Input names none). */
  readonly task: string | undefined;
  readonly args: readonly JsonValue[];
  readonly kwargs: Readonly<Record<string, JsonValue>>;
  /** Physical queue it sends to, when it targets a queue. */
  readonly queueName: string | undefined;
  /** Scheduler expression: `rate(…)`, `cron(…)` or `at(…)`. */
  readonly expression: string;
  readonly timezone: string;
  /** Interval between runs in seconds, for interval schedules (sub-minute ones included). */
  readonly every: number | undefined;
  readonly enabled: boolean;
  readonly description: string | undefined;
  /** Seconds after its scheduled time a run expires. */
  readonly expiresSeconds: number | undefined;
  /** Declared in code with `app.schedule()` (the stack provisions it; a deploy restores it). */
  readonly declared: boolean;
  /** The next times the task runs (sub-minute schedules: each tick), empty when paused or over. */
  readonly nextRuns: readonly Date[];
  /** Why its runs would fail (a bad hand edit…), or undefined. */
  readonly problem: string | undefined;
  readonly createdAt: Date | undefined;
  readonly modifiedAt: Date | undefined;
}

/** Changes to a schedule: any option, and the task it runs. */
export type ScheduleChanges = Partial<ScheduleOptions<readonly unknown[]>> & { readonly task?: TaskRef };

/** A task, or its registered name. */
export type TaskRef = string | { readonly name: string };

/** What `app.schedules` needs from its app. */
export interface SchedulesHost extends ScheduleHost {
  readonly clock: { now(): number };
  scheduler(): Scheduler;
  /** Names of the schedules declared in code. */
  declaredScheduleNames(): ReadonlySet<string>;
}

const COUNTDOWN_NAME = /^[0-9A-Za-z_.-]{1,60}$/;
/** Scheduler's quota on a target's input. */
const MAX_INPUT_BYTES = 262_144;

/**
 * Schedules created, changed and read at run time, over the Scheduler (EventBridge Scheduler on AWS):
 * the equivalent of django-celery-beat's models and admin. Any service with the permissions can use
 * it; the same checks apply as to `app.schedule()`.
 * @example
 * await app.schedules.create('reports.nightly', exportUsers, { cron: '0 2 * * *', args: ['ops@example.com'] });
 * await app.schedules.disable('reports.nightly');
 */
export class Schedules {
  constructor(private readonly host: SchedulesHost) {}

  /**
   * Creates a schedule in the app's group.
   * @throws {ScheduleError} when it is invalid (the message says why) or the name is taken (`SCHEDULE_EXISTS`).
   */
  async create<A extends readonly unknown[]>(
    name: string,
    task: TaskRef & { readonly fn?: (...args: A) => unknown },
    options: NoInfer<ScheduleOptions<A>>,
  ): Promise<ScheduleInfo> {
    const built = buildSchedule(this.host, name, taskName(task), options as ScheduleOptions);
    await built.checked;
    return this.info(await this.host.scheduler().create(built.spec));
  }

  /**
   * Changes a schedule: the options given replace its current ones (`every` replaces `cron` and back).
   * @throws {ScheduleError} `SCHEDULE_NOT_FOUND`, or when the result is invalid.
   */
  async update(name: string, changes: ScheduleChanges): Promise<ScheduleInfo> {
    const current = await this.info(await this.require(name));
    const timing =
      changes.every !== undefined
        ? { every: changes.every }
        : changes.cron !== undefined
          ? { cron: changes.cron }
          : current.every !== undefined
            ? { every: current.every }
            : { cron: current.expression };
    const task = changes.task !== undefined ? taskName(changes.task) : current.task;
    if (task === undefined) throw new ScheduleError(`Schedule "${name}" names no task (${current.problem}): give one in the changes.`);
    const options = {
      args: changes.args ?? current.args,
      kwargs: changes.kwargs ?? current.kwargs,
      timezone: changes.timezone ?? current.timezone,
      expires: changes.expires ?? current.expiresSeconds,
      enabled: changes.enabled ?? current.enabled,
      description: changes.description ?? current.description,
      queue: changes.queue ?? this.logicalQueue(current.queueName),
      start: changes.start,
      end: changes.end,
      ...timing,
    } as ScheduleOptions;
    const built = buildSchedule(this.host, name, task, options);
    await built.checked;
    return this.info(await this.host.scheduler().update(built.spec));
  }

  /** A schedule of the app's group, or undefined. */
  async get(name: string): Promise<ScheduleInfo | undefined> {
    const stored = await this.host.scheduler().get(scheduleGroupOf(this.host.name), name);
    return stored && this.info(stored);
  }

  /** Every schedule of the app's group, declared, created at run time or by hand, by name. */
  async list(): Promise<ScheduleInfo[]> {
    const all = await this.host.scheduler().list(scheduleGroupOf(this.host.name));
    return all.sort((a, b) => a.name.localeCompare(b.name)).map((stored) => this.info(stored));
  }

  /** Pending long countdowns (one-time schedules), soonest first. */
  async listCountdowns(): Promise<ScheduleInfo[]> {
    const all = (await this.host.scheduler().list(countdownGroupOf(this.host.name))).map((stored) => this.info(stored));
    return all.sort((a, b) => (a.nextRuns[0]?.getTime() ?? Infinity) - (b.nextRuns[0]?.getTime() ?? Infinity));
  }

  /** Resumes a paused schedule, keeping its Input as it is. @throws {ScheduleError} `SCHEDULE_NOT_FOUND`. */
  async enable(name: string): Promise<ScheduleInfo> {
    return this.setEnabled(name, true);
  }

  /** Pauses a schedule, keeping its Input as it is. @throws {ScheduleError} `SCHEDULE_NOT_FOUND`. */
  async disable(name: string): Promise<ScheduleInfo> {
    return this.setEnabled(name, false);
  }

  /** Deletes a schedule; false when there was none. A declared schedule comes back on the next deploy. */
  async delete(name: string): Promise<boolean> {
    return this.host.scheduler().delete(scheduleGroupOf(this.host.name), name);
  }

  /**
   * Deletes the one-time schedule of a long countdown before it fires, so the task never runs.
   * @returns false when there was none (already fired, or not a long countdown).
   */
  async cancelCountdown(taskId: string): Promise<boolean> {
    return this.host.scheduler().delete(countdownGroupOf(this.host.name), countdownScheduleName(taskId));
  }

  /**
   * Sends a message later than SQS can delay it: a one-time `at()` schedule that deletes itself
   * after firing. Used by `applyAsync` for countdowns beyond 15 minutes.
   * @throws {PayloadTooLargeError} beyond Scheduler's input quota.
   */
  async scheduleCountdown(taskId: string, task: string, queueName: string, body: string, at: Date): Promise<void> {
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_INPUT_BYTES) throw new PayloadTooLargeError(task, bytes, MAX_INPUT_BYTES);
    const spec: ScheduleSpec = {
      group: countdownGroupOf(this.host.name),
      name: countdownScheduleName(taskId),
      expression: atExpression(at),
      timezone: 'UTC',
      enabled: true,
      description: `countdown of ${task}[${taskId}]`.slice(0, 512),
      deleteAfterCompletion: true,
      queueName,
      input: body,
    };
    await this.host.scheduler().create(spec);
  }

  /** Reads a stored schedule for people: task, args, next runs, and what is wrong with it. */
  info(stored: StoredSchedule): ScheduleInfo {
    const input = readScheduleInput(this.host, stored.input);
    let every: number | undefined = input.fanOutSeconds;
    let nextRuns: Date[] = [];
    let problem = input.problem;
    try {
      const expression = parseScheduleExpression(stored.expression);
      if (every === undefined && expression.kind === 'rate') every = expression.seconds;
      if (stored.enabled) {
        const now = new Date(this.host.clock.now());
        const window = { timezone: stored.timezone, start: stored.start ?? stored.modifiedAt ?? stored.createdAt, end: stored.end };
        nextRuns = input.fanOutSeconds
          ? fanOutRuns(nextRunTimes(expression, window, new Date(now.getTime() - 60_000), 3), input.fanOutSeconds, now)
          : nextRunTimes(expression, window, now, 5);
      }
    } catch (error) {
      problem ??= (error as Error).message;
    }
    return {
      name: stored.name,
      group: stored.group,
      arn: stored.arn,
      task: input.task,
      args: input.args,
      kwargs: input.kwargs,
      queueName: stored.queueName,
      expression: stored.expression,
      timezone: stored.timezone,
      every,
      enabled: stored.enabled,
      description: stored.description,
      expiresSeconds: input.expiresSeconds,
      declared: stored.group === scheduleGroupOf(this.host.name) && this.host.declaredScheduleNames().has(stored.name),
      nextRuns,
      problem: stored.queueName === undefined ? `it targets ${stored.targetArn}, not a queue` : problem,
      createdAt: stored.createdAt,
      modifiedAt: stored.modifiedAt,
    };
  }

  private async setEnabled(name: string, enabled: boolean): Promise<ScheduleInfo> {
    const stored = await this.require(name);
    if (stored.queueName === undefined || stored.input === undefined) {
      throw new ScheduleError(`Schedule "${name}" does not send a message to a queue (target ${stored.targetArn}); change it in the AWS console.`);
    }
    const { arn: _arn, targetArn: _target, createdAt: _c, modifiedAt: _m, ...spec } = stored;
    return this.info(await this.host.scheduler().update({ ...spec, queueName: stored.queueName, input: stored.input, enabled }));
  }

  private async require(name: string): Promise<StoredSchedule> {
    const stored = await this.host.scheduler().get(scheduleGroupOf(this.host.name), name);
    if (!stored) {
      throw new ScheduleError(`No schedule "${name}" in group "${scheduleGroupOf(this.host.name)}": list them with \`celeriac schedules list\`.`, {
        code: ErrorCode.SCHEDULE_NOT_FOUND,
      });
    }
    return stored;
  }

  private logicalQueue(queueName: string | undefined): string | undefined {
    if (queueName === undefined) return undefined;
    const prefix = `${this.host.name}-`;
    return queueName.startsWith(prefix) ? queueName.slice(prefix.length) : undefined;
  }
}

/** Name of the one-time schedule holding a task's long countdown. */
export function countdownScheduleName(taskId: string): string {
  return COUNTDOWN_NAME.test(taskId) ? `eta-${taskId}` : `eta-h-${createHash('sha256').update(taskId).digest('hex').slice(0, 40)}`;
}

function taskName(task: TaskRef): string {
  return typeof task === 'string' ? task : task.name;
}

/** The task runs of a fan-out schedule: each firing's ticks, `every` seconds apart. */
function fanOutRuns(fires: readonly Date[], every: number, after: Date): Date[] {
  const runs: Date[] = [];
  for (const fire of fires) {
    for (let offset = 0; offset < 60; offset += every) {
      const run = fire.getTime() + offset * 1000;
      if (run > after.getTime() && runs.length < 5) runs.push(new Date(run));
    }
  }
  return runs;
}
