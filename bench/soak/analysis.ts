/**
 * The soak's bookkeeping: the report's shape, the append-only ledger the task bodies write (read
 * incrementally while the run goes on), and the analysis that matches body runs to the kill log.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { TaskRecord } from '../../sdk/core/index.js';
import type { FaultProxyStats } from '../../test/faults/fault-proxy.js';

/** Settings of one soak run. */
export interface SoakOptions {
  /** Tasks to enqueue. */
  readonly tasks: number;
  /** Worker processes running at once. */
  readonly workers: number;
  /** Pollers per worker process. */
  readonly concurrency: number;
  /** The app's worker timeout (the queue's visibility timeout and the claim's lease are 6 × this). */
  readonly workerTimeoutSeconds: number;
  /** Milliseconds between worker kills (0: none). */
  readonly killEveryMs: number;
  /**
   * Most worker kills in the run.
   * @default - no limit
   */
  readonly maxKills?: number;
  /**
   * Most endpoint cuts in the run.
   * @default - no limit
   */
  readonly maxCuts?: number;
  /** Milliseconds between endpoint cuts (0: none). */
  readonly cutEveryMs: number;
  /** Length of a cut, from–to milliseconds. */
  readonly cutMs: readonly [number, number];
  /** Fraction of calls answered 400 ThrottlingException. */
  readonly throttleFraction: number;
  /** Fraction of calls answered 503. */
  readonly unavailableFraction: number;
  /** Fraction of calls delayed by up to `latencyMs`. */
  readonly latencyFraction: number;
  readonly latencyMs: number;
  /** Fraction of sent envelopes sent a second time, 0–8 s later. */
  readonly duplicateFraction: number;
  /** Every n-th task fails by design (0: none). */
  readonly failEvery: number;
  /** Every n-th message is a hand-sent envelope naming a task that does not exist (0: none). */
  readonly poisonEvery: number;
  /** Most tasks enqueued and not yet finished (moto slows down with a deep queue). */
  readonly maxBacklog: number;
  /** Concurrent producer loops. */
  readonly lanes: number;
  /** How long to wait, after the last task is enqueued and the faults stop, for every task to finish. */
  readonly drainTimeoutMs: number;
  /**
   * Epoch milliseconds after which no more tasks are enqueued (the run then drains and reports on
   * the tasks it did enqueue).
   * @default - none: all `tasks` are enqueued
   */
  readonly stopProducingAt?: number;
  /** Directory for the ledger, the kill log and worker logs. */
  readonly dir: string;
  /**
   * An emulator endpoint to use.
   * @default - two private moto servers (SQS, DynamoDB), stopped at the end
   */
  readonly endpoint?: string;
  /**
   * Progress lines.
   * @default - none
   */
  readonly log?: (line: string) => void;
}

/** A task whose body ran a number of times other than the ledger and the kill log allow. */
export interface RunViolation {
  readonly id: string;
  readonly runs: number;
  /** Kills that hit the task while it ran (body started, record not yet written by that process). */
  readonly killHits: number;
  readonly state: string | undefined;
}

/** What a soak run measured. */
export interface SoakReport {
  readonly options: Omit<SoakOptions, 'log'>;
  readonly startedAt: string;
  readonly durationMs: number;
  /** True when `stopProducingAt` came before every task was enqueued. */
  readonly stoppedEarly: boolean;
  /** Time to enqueue every task (producer and workers run together). */
  readonly produceMs: number;
  /** Messages sent: tasks through `applyAsync`, plus the hand-sent poison messages. */
  readonly enqueued: number;
  readonly poisonSent: number;
  /** `applyAsync` calls that rejected with a retryable `EnqueueError` and were sent again with the same task id. */
  readonly enqueueRetries: number;
  /** `applyAsync` calls that rejected with a non-retryable error (expected 0). */
  readonly enqueueFailed: number;
  readonly succeeded: number;
  /** FAILURE records of tasks that fail by design (`DesignedFailure`). */
  readonly failedByDesign: number;
  /** FAILURE records of poison messages (`UNKNOWN_TASK`), each also in the dead-letter queue. */
  readonly rejectedPoison: number;
  /** Every other non-success record, with its reason (expected none). */
  readonly otherNonSuccess: readonly { id: string; state: string; reason: string }[];
  /** Messages sent with no final record (expected 0). */
  readonly lost: readonly string[];
  readonly deadLetters: number;
  /**
   * The dead-letter queue read at the end, by reason (the worker's `celeriac-error-code`, or
   * `MAX_RECEIVE_COUNT` for a message SQS moved): messages, and distinct task ids among them.
   */
  readonly deadLettersByReason?: Readonly<Record<string, { readonly messages: number; readonly tasks: number }>>;
  readonly runs: {
    /** Tasks whose body ran exactly once, not hit by any kill. */
    readonly exactlyOnce: number;
    /** Tasks hit by a kill while running. */
    readonly hitByKill: number;
    /** Of those, tasks run again once per kill that hit them. */
    readonly rerunOncePerKill: number;
    /** Of those, tasks not run again: the killed worker had already written the record. */
    readonly notRerun: number;
    /** Tasks retried by the worker (their record counts the retries); each retry is a run by design. */
    readonly rerunByRetry: number;
    /** Tasks run again because a run's record could not be written before its invocation ended. */
    readonly rerunAfterUnrecorded: number;
    /** Total body executions counted in the ledger. */
    readonly totalExecutions: number;
    readonly violations: readonly RunViolation[];
  };
  readonly kills: readonly { pid: number; atMs: number; tasksHit: number }[];
  readonly cuts: readonly { atMs: number; ms: number }[];
  readonly duplicatesInjected: number;
  /** Deliveries the workers acknowledged as duplicates without running (injected, and the emulator's own). */
  readonly duplicatesAcknowledged: number;
  /** Worker-side internal errors (message left on the queue), by code. */
  readonly workerErrors: Readonly<Record<string, number>>;
  readonly proxy: FaultProxyStats;
}

export interface Ledger {
  /** Body executions by task id. */
  readonly runs: Map<string, number>;
  /** Task ids with a run line, by pid. */
  readonly runByPid: Map<number, Set<string>>;
  /** Task ids with a done line, by pid. */
  readonly doneByPid: Map<number, Set<string>>;
  readonly done: Set<string>;
  duplicates: number;
  readonly errors: Map<string, number>;
  /** Runs whose record could not be written before the invocation ended, by task id. */
  readonly unrecorded: Map<string, number>;
}

/** Reads an append-only ledger incrementally (complete lines only). */
export class LedgerReader {
  readonly ledger: Ledger = {
    runs: new Map(),
    runByPid: new Map(),
    doneByPid: new Map(),
    done: new Set(),
    duplicates: 0,
    errors: new Map(),
    unrecorded: new Map(),
  };
  private offset = 0;
  private rest = '';

  constructor(private readonly path: string) {}

  poll(): void {
    const size = statSync(this.path).size;
    if (size <= this.offset) return;
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const read = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += read;
      const text = this.rest + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) this.apply(line);
    } finally {
      closeSync(fd);
    }
  }

  private apply(line: string): void {
    const [kind, id, pidText, extra] = line.split(' ');
    if (!kind || !id) return;
    const pid = Number(pidText);
    const l = this.ledger;
    const add = (map: Map<number, Set<string>>) => {
      let set = map.get(pid);
      if (!set) {
        set = new Set();
        map.set(pid, set);
      }
      set.add(id);
    };
    if (kind === 'run') {
      l.runs.set(id, (l.runs.get(id) ?? 0) + 1);
      add(l.runByPid);
    } else if (kind === 'done') {
      l.done.add(id);
      add(l.doneByPid);
    } else if (kind === 'dup') {
      // A worker found the task already finished: it has a final record, whoever wrote it.
      l.duplicates += 1;
      l.done.add(id);
    } else if (kind === 'unrecorded') {
      l.unrecorded.set(id, (l.unrecorded.get(id) ?? 0) + 1);
    } else if (kind === 'err') {
      l.errors.set(extra ?? '?', (l.errors.get(extra ?? '?') ?? 0) + 1);
    }
  }
}

/** The report of a run from what it counted, the ledger and the final records. */
export function analyse(input: {
  options: SoakOptions;
  started: number;
  produceMs: number;
  counters: { enqueued: number; poison: number; enqueueRetries: number; enqueueFailed: number };
  expectedIds: string[];
  poisonIds: Set<string>;
  designedIds: Set<string>;
  records: Map<string, TaskRecord>;
  ledger: Ledger;
  kills: { pid: number; atMs: number }[];
  cuts: { atMs: number; ms: number }[];
  deadLetters: number;
  deadLettersByReason: Record<string, { messages: number; tasks: number }>;
  duplicatesInjected: number;
  proxy: FaultProxyStats;
}): SoakReport {
  const { options, records, ledger } = input;
  // A kill hits a task when the killed process had started its body and not written its record.
  const hits = new Map<string, number>();
  const kills = input.kills.map((kill) => {
    const ran = ledger.runByPid.get(kill.pid) ?? new Set<string>();
    const finished = ledger.doneByPid.get(kill.pid) ?? new Set<string>();
    let tasksHit = 0;
    for (const id of ran) {
      if (!finished.has(id)) {
        hits.set(id, (hits.get(id) ?? 0) + 1);
        tasksHit += 1;
      }
    }
    return { ...kill, tasksHit };
  });

  let succeeded = 0;
  let failedByDesign = 0;
  let rejectedPoison = 0;
  const otherNonSuccess: { id: string; state: string; reason: string }[] = [];
  const lost: string[] = [];
  let exactlyOnce = 0;
  let hitByKill = 0;
  let rerunOncePerKill = 0;
  let notRerun = 0;
  let rerunByRetry = 0;
  let rerunAfterUnrecorded = 0;
  const violations: RunViolation[] = [];
  for (const id of input.expectedIds) {
    const record = records.get(id);
    const state = record?.state;
    if (state === 'SUCCESS') succeeded += 1;
    else if (state === 'FAILURE' && input.designedIds.has(id) && record?.error?.type === 'DesignedFailure') failedByDesign += 1;
    else if (state === 'FAILURE' && input.poisonIds.has(id) && record?.error?.code === 'UNKNOWN_TASK') rejectedPoison += 1;
    else if (state === undefined) lost.push(id);
    else otherNonSuccess.push({ id, state, reason: record?.error ? `${record.error.type}: ${record.error.message}` : '(no error recorded)' });

    const runs = ledger.runs.get(id) ?? 0;
    const killHits = hits.get(id) ?? 0;
    // Re-runs by design: retries (a task out of invocation time is retried), and runs whose record
    // could not be written before the invocation ended (the endpoint was down for longer).
    const retried = record?.retries ?? 0;
    const unrecorded = ledger.unrecorded.get(id) ?? 0;
    if (retried > 0) rerunByRetry += 1;
    if (unrecorded > 0) rerunAfterUnrecorded += 1;
    const allowed = 1 + retried + unrecorded;
    if (input.poisonIds.has(id)) {
      if (runs !== 0) violations.push({ id, runs, killHits, state });
      continue;
    }
    if (killHits === 0) {
      if (runs === 1 && allowed === 1) exactlyOnce += 1;
      else if (runs < 1 || runs > allowed) violations.push({ id, runs, killHits, state });
    } else {
      hitByKill += 1;
      if (runs === allowed + killHits) rerunOncePerKill += 1;
      else if (runs >= 1 && runs < allowed + killHits) notRerun += 1;
      else violations.push({ id, runs, killHits, state });
    }
  }
  const { log: _log, ...shownOptions } = options;
  return {
    options: shownOptions,
    startedAt: new Date(input.started).toISOString(),
    durationMs: Date.now() - input.started,
    stoppedEarly: input.expectedIds.length < options.tasks,
    produceMs: input.produceMs,
    enqueued: input.counters.enqueued,
    poisonSent: input.counters.poison,
    enqueueRetries: input.counters.enqueueRetries,
    enqueueFailed: input.counters.enqueueFailed,
    succeeded,
    failedByDesign,
    rejectedPoison,
    otherNonSuccess,
    lost,
    deadLetters: input.deadLetters,
    deadLettersByReason: input.deadLettersByReason,
    runs: {
      exactlyOnce,
      hitByKill,
      rerunOncePerKill,
      notRerun,
      rerunByRetry,
      rerunAfterUnrecorded,
      totalExecutions: [...ledger.runs.values()].reduce((a, b) => a + b, 0),
      violations,
    },
    kills,
    cuts: input.cuts,
    duplicatesInjected: input.duplicatesInjected,
    duplicatesAcknowledged: ledger.duplicates,
    workerErrors: Object.fromEntries(ledger.errors),
    proxy: input.proxy,
  };
}
