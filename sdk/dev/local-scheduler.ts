import { randomUUID } from 'node:crypto';
import type { Broker } from '../core/ports/broker.js';
import type { Scheduler, StoredSchedule } from '../core/ports/scheduler.js';
import { SchedulerPlaceholder } from '../core/protocol/schedule-headers.js';
import { nextRunTimes, parseScheduleExpression, type ScheduleExpression } from '../core/schedule/expression.js';

/** Options of {@link LocalScheduler}. */
export interface LocalSchedulerOptions {
  /** Where the schedules are read from (the Scheduler API of the emulator or LocalStack). */
  readonly scheduler: Scheduler;
  /** Sends the fired messages. */
  readonly broker: Broker;
  /** Schedule groups to read (the app's, and its countdowns'). */
  readonly groups: readonly string[];
  /**
   * The clock.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How often due schedules are checked, in milliseconds.
   * @default 250
   */
  readonly tickMs?: number;
  /**
   * How often schedules are re-read from the Scheduler API, in milliseconds.
   * @default 2000
   */
  readonly refreshMs?: number;
  /**
   * Receives one line per firing and per problem.
   * @default console.log
   */
  readonly log?: (line: string) => void;
}

/** One firing, as reported by {@link LocalScheduler.fired}. */
export interface Firing {
  readonly group: string;
  readonly name: string;
  readonly scheduledTime: string;
  readonly queueName: string;
}

interface Tracked {
  schedule: StoredSchedule;
  expression: ScheduleExpression | undefined;
  /** Runs at or before this time have been fired (or skipped). */
  cursor: number;
  attempts: number;
  busy: boolean;
}

const MAX_ATTEMPTS = 10;

/**
 * What EventBridge Scheduler does, for emulators that store schedules but never fire them: reads the
 * schedules from the Scheduler API (so schedules declared in code, created at run time, with the AWS
 * CLI or by hand all count) and sends each one's Input to its queue when it is due, filling in
 * Scheduler's context attributes. Rate schedules run every interval from their start (at once when
 * they have none), cron in its time zone with Scheduler's daylight-saving rules, `at()` once, then
 * deleted when its action after completion says so. Runs missed while it was stopped are not
 * replayed; an overdue `at()` fires once.
 */
export class LocalScheduler {
  private readonly tracked = new Map<string, Tracked>();
  private readonly firings: Firing[] = [];
  /** One-time schedules already run (by key and modification time), never fired again. */
  private readonly completed = new Set<string>();
  private tickTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Reads the schedules, then checks them every tick. Resolves once the first read is done. */
  async start(): Promise<void> {
    await this.refresh();
    this.tickTimer = setInterval(() => void this.tick(), this.options.tickMs ?? 250);
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 2000);
  }

  /** Stops firing. */
  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.refreshTimer);
    await this.refreshing;
  }

  /** Firings so far, oldest first. */
  fired(): readonly Firing[] {
    return this.firings;
  }

  /** The schedules known at the last read, with their next run. */
  upcoming(): { group: string; name: string; next: Date | undefined }[] {
    return [...this.tracked.values()].map((t) => ({ group: t.schedule.group, name: t.schedule.name, next: this.nextRun(t, t.cursor) }));
  }

  /** Re-reads the schedules now. */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<void> {
    let all: StoredSchedule[];
    try {
      all = (await Promise.all(this.options.groups.map((group) => this.options.scheduler.list(group)))).flat();
    } catch (error) {
      this.log(`celeriac scheduler: could not read schedules: ${(error as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    const now = this.now();
    for (const schedule of all) {
      const key = `${schedule.group}/${schedule.name}`;
      if (this.completed.has(completionKey(schedule))) continue;
      seen.add(key);
      const known = this.tracked.get(key);
      let expression: ScheduleExpression | undefined;
      try {
        expression = parseScheduleExpression(schedule.expression);
      } catch (error) {
        if (known?.schedule.expression !== schedule.expression) this.log(`celeriac scheduler: ${key} will not run: ${(error as Error).message}`);
      }
      if (known) {
        // An edited schedule starts over from its edit, as a new one would.
        if (schedule.modifiedAt?.getTime() !== known.schedule.modifiedAt?.getTime() && schedule.modifiedAt) {
          known.cursor = Math.max(known.cursor, schedule.modifiedAt.getTime() - 1);
        }
        known.schedule = schedule;
        known.expression = expression;
        continue;
      }
      // A new rate schedule starts at once, as on AWS; an overdue at() fires once; otherwise runs
      // missed before this process saw the schedule are not replayed.
      const created = (rateStart(schedule)?.getTime() ?? now) - 1;
      const cursor = expression?.kind === 'at' ? created : Math.max(created, now - (this.options.refreshMs ?? 2000) - 1000);
      this.tracked.set(key, { schedule, expression, cursor, attempts: 0, busy: false });
    }
    for (const key of this.tracked.keys()) if (!seen.has(key)) this.tracked.delete(key);
  }

  private async tick(): Promise<void> {
    const now = this.now();
    await Promise.all(
      [...this.tracked.values()].map(async (tracked) => {
        if (tracked.busy || !tracked.schedule.enabled || !tracked.expression) return;
        const due = this.lastDue(tracked, now);
        if (due === undefined) return;
        tracked.busy = true;
        try {
          await this.fire(tracked, due, now);
        } finally {
          tracked.busy = false;
        }
      }),
    );
  }

  /** The latest run due at or before `now` and after the cursor (missed runs are coalesced into it). */
  private lastDue(tracked: Tracked, now: number): Date | undefined {
    let due: Date | undefined;
    let from = tracked.cursor;
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.nextRun(tracked, from);
      if (!next || next.getTime() > now) break;
      due = next;
      from = next.getTime();
    }
    return due;
  }

  private nextRun(tracked: Tracked, after: number): Date | undefined {
    if (!tracked.expression) return undefined;
    const { schedule } = tracked;
    return nextRunTimes(tracked.expression, { timezone: schedule.timezone, start: rateStart(schedule), end: schedule.end }, new Date(after), 1)[0];
  }

  private async fire(tracked: Tracked, due: Date, now: number): Promise<void> {
    const { schedule } = tracked;
    const key = `${schedule.group}/${schedule.name}`;
    const scheduledTime = due.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (schedule.queueName === undefined) {
      this.log(`celeriac scheduler: ${key} targets ${schedule.targetArn}, which the local runtime cannot invoke; skipped`);
      tracked.cursor = now;
      return;
    }
    // The schedule may have been deleted or edited since it was read (a read that was under way when
    // it changed brings back the old version): fire only what the Scheduler API holds now.
    let current: StoredSchedule | undefined;
    try {
      current = await this.options.scheduler.get(schedule.group, schedule.name);
    } catch (error) {
      this.log(`celeriac scheduler: could not re-read ${key} before its run: ${(error as Error).message}`);
      return; // due again at the next tick
    }
    if (!current) {
      this.tracked.delete(key);
      return;
    }
    if (current.modifiedAt?.getTime() !== schedule.modifiedAt?.getTime() || !current.enabled) {
      await this.refresh();
      return;
    }
    const body = (schedule.input ?? '')
      .replaceAll(SchedulerPlaceholder.scheduleArn, schedule.arn)
      .replaceAll(SchedulerPlaceholder.scheduledTime, scheduledTime)
      .replaceAll(SchedulerPlaceholder.executionId, randomUUID())
      .replaceAll(SchedulerPlaceholder.attemptNumber, String(tracked.attempts + 1));
    try {
      const [outcome] = await this.options.broker.sendBatch(schedule.queueName, [{ id: 'fire', body, delaySeconds: 0 }]);
      if (!outcome?.ok) throw new Error(outcome ? `${outcome.code}: ${outcome.message}` : 'no outcome');
    } catch (error) {
      tracked.attempts += 1;
      if (tracked.attempts < MAX_ATTEMPTS) return; // due again at the next tick
      this.log(`celeriac scheduler: ${key} run of ${scheduledTime} dropped after ${MAX_ATTEMPTS} attempts: ${(error as Error).message}`);
    }
    tracked.attempts = 0;
    tracked.cursor = Math.max(due.getTime(), now);
    this.firings.push({ group: schedule.group, name: schedule.name, scheduledTime, queueName: schedule.queueName });
    this.log(`celeriac scheduler: ${key} fired (run of ${scheduledTime}) → ${schedule.queueName}`);
    if (tracked.expression?.kind === 'at' || (schedule.end && this.nextRun(tracked, tracked.cursor) === undefined)) {
      if (schedule.deleteAfterCompletion) {
        await this.options.scheduler.delete(schedule.group, schedule.name).catch((error: unknown) => {
          this.log(`celeriac scheduler: ${key} could not be deleted after its last run: ${(error as Error).message}`);
        });
      }
      this.completed.add(completionKey(schedule));
      this.tracked.delete(key);
    }
  }
}

/**
 * Where a rate schedule counts its intervals from: its start date, else its last edit (a schedule
 * without a start date runs at once when created or changed).
 */
export function rateStart(schedule: Pick<StoredSchedule, 'start' | 'createdAt' | 'modifiedAt'>): Date | undefined {
  return schedule.start ?? schedule.modifiedAt ?? schedule.createdAt;
}

function completionKey(schedule: StoredSchedule): string {
  return `${schedule.group}/${schedule.name}@${schedule.modifiedAt?.getTime() ?? ''}`;
}
