import type { App, ResolvedQueue } from '../core/app.js';
import { childrenOf, runWithContext, type StateUpdate, type TaskContext } from '../core/context.js';
import { DEFAULT_RATE_LIMIT_HORIZON_MS, DEFAULT_REVOKE_CHECK_INTERVAL_MS, MAX_RETRY_HISTORY, MAX_VISIBILITY_TIMEOUT_SECONDS } from '../core/defaults.js';
import { ErrorCode, MaxRetriesExceededError, ResultTooLargeError, TaskRevokedError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { RetryEntry, TaskMonitoring, TaskRecord } from '../core/ports/result-backend.js';
import { salvageTaskId, salvageTaskName, type Envelope } from '../core/protocol/envelope.js';
import { describeScheduleRun, salvageScheduleRun, ScheduleHeader, scheduleRunOf } from '../core/protocol/schedule-headers.js';
import { retryDelaySeconds } from '../core/retry.js';
import { Ignore, Reject, Retry } from '../core/signals.js';
import { assertCustomState, TaskState, type AnyState } from '../core/states.js';
import type { AnyTask } from '../core/task.js';
import { argsRepr } from './args-repr.js';
import { refusedCeleryIds, scheduleFarEta, timeLimitsOf } from './celery-input.js';
import type { WorkerEvent } from './events.js';
import { jsonLog } from './json-log.js';
import { decodeMessage, lookupTask, parseQueueName, Poison, queueOf, receiveCount, sentTime, unclaimed, validateMessageArgs } from './message-input.js';
import { RateGate, type Turn } from './rate-gate.js';
import { RunGuard } from './run-guard.js';
import { fanOutMessages } from './fan-out.js';
import { toStoredError } from './stored-error.js';
import { WorkflowEffects } from './workflow.js';
import type { BatchOptions, BatchResponse, Disposition, QueueRecord, WorkerOptions } from './worker-types.js';

export type { BatchOptions, BatchResponse, Disposition, QueueRecord, WorkerOptions } from './worker-types.js';

/**
 * Runs tasks from queue messages: decode → validate → claim → run → record, and tells the queue which
 * messages to keep. Pure: it talks to the app's broker and result backend through their ports.
 * @example
 * const worker = new Worker(app);
 * export const handler = (event: SQSEvent) => worker.processBatch(event.Records);
 */
export class Worker {
  private readonly log: (event: WorkerEvent) => void;
  private readonly safetyMarginMs: number;
  private readonly random: () => number;
  private readonly logPayloads: boolean;
  private readonly revokeCheckIntervalMs: number;
  private readonly rates: RateGate;
  private readonly workflow: WorkflowEffects;

  constructor(
    private readonly app: App,
    options: WorkerOptions = {},
  ) {
    this.logPayloads = options.logPayloads ?? false;
    this.log = options.log ?? jsonLog(app.name, this.logPayloads);
    this.safetyMarginMs = options.safetyMarginMs ?? 1000;
    this.random = options.random ?? Math.random;
    this.revokeCheckIntervalMs = options.revokeCheckIntervalMs ?? DEFAULT_REVOKE_CHECK_INTERVAL_MS;
    this.rates = new RateGate(app, options.rateLimitHorizonMs ?? DEFAULT_RATE_LIMIT_HORIZON_MS);
    this.workflow = new WorkflowEffects(app, this.log);
  }

  /** Processes a batch; the messages to keep on the queue are returned as `batchItemFailures`. */
  async processBatch(records: readonly QueueRecord[], options: BatchOptions = {}): Promise<BatchResponse> {
    const dispositions = await Promise.all(records.map((record) => this.processRecord(record, options)));
    return {
      batchItemFailures: records.filter((_, i) => dispositions[i] === 'requeue').map((r) => ({ itemIdentifier: r.messageId })),
    };
  }

  /**
   * Processes a batch; one settled promise per record, in order: fulfilled = delete the message,
   * rejected = keep it (the shape `@middy/sqs-partial-batch-failure` reads).
   */
  async settleBatch(records: readonly QueueRecord[], options: BatchOptions = {}): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(
      records.map(async (record) => {
        if ((await this.processRecord(record, options)) === 'requeue') throw new Error(`message ${record.messageId} stays on the queue`);
      }),
    );
  }

  /** Processes one message. Never throws: an internal error leaves the message on the queue. */
  async processRecord(record: QueueRecord, options: BatchOptions = {}): Promise<Disposition> {
    try {
      return await this.handle(record, options);
    } catch (error) {
      if (error instanceof Poison) {
        return this.reject(record, error).catch((rejectError: unknown) => {
          this.log({ type: 'error', messageId: record.messageId, error: toStoredError(rejectError) });
          return 'requeue' as const;
        });
      }
      this.log({ type: 'error', messageId: record.messageId, error: toStoredError(error) });
      return 'requeue';
    }
  }

  private async handle(record: QueueRecord, options: BatchOptions): Promise<Disposition> {
    const envelope = decodeMessage(record);
    const task = lookupTask(this.app, envelope);
    const args = await validateMessageArgs(task, envelope);
    const queue = queueOf(this.app, record, envelope);
    const now = this.app.clock.now();
    const every = envelope.headers[ScheduleHeader.every];
    if (typeof every === 'number') return this.fanOut(record, envelope, every, now);
    const expiresAt = Math.ceil(now / 1000) + task.options.resultExpiresSeconds;

    if (envelope.eta && Date.parse(envelope.eta) - now > 1000) {
      if (await scheduleFarEta(this.app, parseQueueName(record.eventSourceARN), envelope, now)) return 'ack';
      const seconds = Math.ceil((Date.parse(envelope.eta) - now) / 1000);
      return this.defer(record, envelope, seconds, 'eta');
    }
    if (options.deadlineMs !== undefined) {
      // Not started when it could not finish: left to the queue for another invocation.
      const needMs = (task.options.timeLimitSeconds ?? 0) * 1000 + this.safetyMarginMs;
      // The deadline is the invocation's, in real time (the app's clock may be a test's).
      if (options.deadlineMs - Date.now() < needMs) return this.defer(record, envelope, 1, 'deadline');
    }
    // A rate-limited task reserves its turn before the claim (see RateGate); a full schedule sends it
    // back to the queue until its turn is near: delayed, never failed or dropped.
    let turn: Turn | undefined;
    if (task.options.rateLimit) {
      const reserved = await this.rates.reserve(task);
      if (reserved.status === 'busy') return this.defer(record, envelope, this.rates.secondsUntilNear(reserved.busyUntilMs), 'rate');
      turn = reserved.turn;
    }

    const monitoring = this.monitoring(record, envelope, task, options);
    const claim = task.options.duplicateProtection
      ? await this.app.backend().claim({
          id: envelope.id,
          task: envelope.task,
          queue: queue.name,
          now: new Date(now),
          leaseUntil: new Date(now + queue.visibilityTimeoutSeconds * 1000),
          expiresAt,
          monitoring,
          firstDelivery: receiveCount(record) === 1,
        })
      : unclaimed(record, envelope);
    if (claim.status === 'finished') {
      this.log({ type: 'duplicate', id: envelope.id, task: envelope.task, state: claim.state });
      // A member's join is idempotent: re-joining covers a crash between its record and its join.
      if (claim.state === TaskState.SUCCESS && envelope.chord !== null) await this.workflow.joinChord(envelope);
      return 'ack';
    }
    if (claim.status === 'running') {
      return this.defer(record, envelope, Math.ceil((claim.leaseUntil.getTime() - now) / 1000) + 1, 'running');
    }
    if (envelope.expires && Date.parse(envelope.expires) <= now) {
      // Checked after the claim, so a late duplicate of a finished task never overwrites its record.
      const reason = `expired at ${envelope.expires}, before a worker could start it`;
      await this.app.backend().save({
        ...this.baseRecord(envelope, queue, expiresAt),
        ...monitoring,
        state: TaskState.REVOKED,
        retries: claim.retries,
        dateDone: new Date(now),
        error: { type: 'TaskExpired', code: ErrorCode.TASK_REVOKED, message: `Task ${reason}` },
      });
      this.log({ type: 'revoked', id: envelope.id, task: envelope.task, reason });
      await this.app.hooks.emit('revoked', { id: envelope.id, task: envelope.task, reason, terminated: false });
      return 'ack';
    }
    if (turn !== undefined && (await this.rates.awaitTurn(task, turn)).status === 'missed') {
      // A turn missed (a slow request in between): release the claim and queue the task for a new one.
      await this.app.backend().save({ ...this.baseRecord(envelope, queue, expiresAt), state: TaskState.PENDING, retries: claim.retries });
      return this.defer(record, envelope, 1, 'rate');
    }
    return this.run(record, envelope, task, args, queue, claim.retries, expiresAt, options, { ...monitoring, retryHistory: claim.retryHistory ?? [] });
  }

  private async run(
    record: QueueRecord,
    envelope: Envelope,
    task: AnyTask,
    args: unknown[],
    queue: ResolvedQueue,
    retries: number,
    expiresAt: number,
    options: BatchOptions,
    monitoring: TaskMonitoring & { retryHistory: readonly RetryEntry[] },
  ): Promise<Disposition> {
    const clock = this.app.clock;
    const started = clock.now();
    const label = `${task.name}[${envelope.id}]`;
    const backend = this.app.backend();
    const guard = new RunGuard({
      label,
      ...timeLimitsOf(task, envelope),
      deadlineMs: options.deadlineMs,
      safetyMarginMs: this.safetyMarginMs,
      revokeCheck: {
        intervalMs: this.revokeCheckIntervalMs,
        check: async () => ((await backend.get(envelope.id))?.terminateRequested ? 'terminated by revoke()' : undefined),
      },
    });
    const { retryHistory, ...shown } = monitoring;
    const startedRecord = {
      ...this.baseRecord(envelope, queue, expiresAt),
      ...shown,
      ...(retryHistory.length ? { retryHistory } : {}),
      dateStarted: new Date(started),
    };
    let context: TaskContext | undefined;
    await this.app.hooks.emit('prerun', { id: envelope.id, task: task.name, args, retries });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const running = runWithContext(
        {
          id: envelope.id,
          name: task.name,
          retries,
          queue: queue.name,
          headers: envelope.headers,
          parentId: envelope.parentId,
          rootId: envelope.rootId ?? envelope.id,
          signal: guard.controller.signal,
          updateState: (update) => this.updateState(envelope.id, update),
        },
        async () => task.fn(...args),
        (ctx) => (context = ctx),
      );
      const settled = await Promise.race([running.then((value) => ({ ok: true as const, value })), guard.stopped]);
      if ('kind' in settled) {
        running.catch(() => undefined); // the function may still settle; its outcome is not wanted
        if (settled.kind === 'terminated') return this.terminated(envelope, task, startedRecord, retries, settled.reason, clock.now() - started);
        outcome = { ok: false, error: settled.error };
      } else {
        outcome = settled;
      }
    } catch (error) {
      outcome = { ok: false, error: guard.deadlineHit && !(error instanceof Retry) ? new Retry(0, guard.controller.signal.reason, undefined) : error };
    } finally {
      guard.dispose();
    }
    const runtimeMs = clock.now() - started;
    const children = context ? childrenOf(context) : [];
    const base = { ...startedRecord, runtimeMs };

    if (outcome.ok) {
      let result: JsonValue;
      try {
        result = JSON.parse(JSON.stringify(outcome.value ?? null)) as JsonValue;
      } catch (cause) {
        outcome = { ok: false, error: new TypeError(`Task returned a value that cannot be stored as JSON: ${(cause as Error).message}`) };
        return this.fail(envelope, task, base, retries, runtimeMs, outcome.error, { ...options, messageId: record.messageId });
      }
      const linked = await this.workflow.sendLinks(envelope, result);
      const allChildren = [...children, ...linked];
      if (!envelope.ignoreResult) {
        const success: TaskRecord = {
          ...base,
          state: TaskState.SUCCESS,
          retries,
          result,
          dateDone: new Date(clock.now()),
          ...(allChildren.length ? { children: allChildren } : {}),
        };
        try {
          await this.saveOutcome(success, { ...options, messageId: record.messageId });
        } catch (error) {
          if (!(error instanceof ResultTooLargeError)) throw error;
          const head = JSON.stringify(result).slice(0, 1024);
          return this.fail(envelope, task, base, retries, runtimeMs, error, { ...options, messageId: record.messageId }, { 'celeriac:truncated': true, sizeBytes: error.sizeBytes, head });
        }
      }
      await this.workflow.joinChord(envelope);
      this.log({ type: 'succeeded', id: envelope.id, task: task.name, runtimeMs, result });
      await this.app.hooks.emit('success', { id: envelope.id, task: task.name, result, runtimeMs });
      await this.app.hooks.emit('postrun', { id: envelope.id, task: task.name, state: TaskState.SUCCESS, runtimeMs });
      return 'ack';
    }

    const error = outcome.error;
    if (error instanceof Ignore) return 'ack';
    if (error instanceof Reject) throw new Poison(error, envelope, retries);
    const retry = this.retryDecision(task, error, retries);
    if (retry === undefined) return this.fail(envelope, task, base, retries, runtimeMs, error, { ...options, messageId: record.messageId });
    if (retry === 'exhausted') {
      const cause = error instanceof Retry ? error.cause : error;
      return this.fail(envelope, task, base, retries, runtimeMs, cause ?? new MaxRetriesExceededError(task.name, retries), { ...options, messageId: record.messageId });
    }
    const stored = toStoredError(error instanceof Retry && error.cause !== undefined ? error.cause : error);
    const entry: RetryEntry = { at: new Date(clock.now()), countdownSeconds: retry, error: `${stored.type}: ${stored.message}`.slice(0, 300) };
    await backend.save({
      ...base,
      state: TaskState.RETRY,
      retries: retries + 1,
      error: stored,
      retryAt: new Date(clock.now() + retry * 1000),
      retryHistory: [...retryHistory, entry].slice(-MAX_RETRY_HISTORY),
    });
    this.log({ type: 'retry', id: envelope.id, task: task.name, retries: retries + 1, countdownSeconds: retry, error: stored });
    await this.app.hooks.emit('retry', { id: envelope.id, task: task.name, retries: retries + 1, countdownSeconds: retry, error: stored });
    await this.app.hooks.emit('postrun', { id: envelope.id, task: task.name, state: TaskState.RETRY, runtimeMs });
    await this.changeVisibility(record, retry);
    return 'requeue';
  }

  /** Records a custom state for the running task (`currentTask().updateState()`). */
  private async updateState(id: string, update: StateUpdate): Promise<void> {
    await this.app.backend().updateState(id, assertCustomState(update.state), update.meta ?? null);
  }

  /** A running task stopped by `revoke({ terminate: true })`: recorded REVOKED. */
  private async terminated(
    envelope: Envelope,
    task: AnyTask,
    base: Omit<TaskRecord, 'state' | 'retries'>,
    retries: number,
    reason: string,
    runtimeMs: number,
  ): Promise<Disposition> {
    const error = toStoredError(new TaskRevokedError(envelope.id, reason));
    await this.app.backend().save({ ...base, state: TaskState.REVOKED, retries, error, dateDone: new Date(this.app.clock.now()) });
    this.log({ type: 'revoked', id: envelope.id, task: task.name, reason });
    await this.app.hooks.emit('revoked', { id: envelope.id, task: task.name, reason, terminated: true });
    await this.app.hooks.emit('postrun', { id: envelope.id, task: task.name, state: TaskState.REVOKED, runtimeMs });
    return 'ack';
  }

  /** Seconds until the next attempt, 'exhausted' when no retry is left, undefined when the error is not retried. */
  private retryDecision(task: AnyTask, error: unknown, retries: number): number | 'exhausted' | undefined {
    const policy = task.options.retry;
    let countdown: number | undefined;
    let maxRetries = policy.maxRetries;
    if (error instanceof Retry) {
      countdown = error.countdownSeconds;
      maxRetries = error.maxRetries ?? maxRetries;
    } else if (!this.autoretries(task, error)) {
      return undefined;
    }
    if (retries >= maxRetries) return 'exhausted';
    const seconds = countdown ?? retryDelaySeconds(policy, retries, this.random);
    return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, Math.ceil(seconds)));
  }

  private autoretries(task: AnyTask, error: unknown): boolean {
    const rule = task.options.autoretryFor;
    if (!rule) return false;
    if (typeof rule === 'function') return rule(error);
    return rule.some((type) => error instanceof type);
  }

  private async fail(
    envelope: Envelope,
    task: AnyTask,
    base: Omit<TaskRecord, 'state' | 'retries'>,
    retries: number,
    runtimeMs: number,
    error: unknown,
    options: BatchOptions & { readonly messageId: string },
    result?: JsonValue,
  ): Promise<Disposition> {
    const stored = toStoredError(error);
    if (!envelope.ignoreResult || task.options.storeErrorsEvenIfIgnored) {
      await this.saveOutcome(
        { ...base, state: TaskState.FAILURE, retries, error: stored, ...(result === undefined ? {} : { result }), dateDone: new Date(this.app.clock.now()) },
        options,
      );
    }
    await this.workflow.onFailure(envelope, stored, base.expiresAt);
    this.log({ type: 'failed', id: base.id, task: base.task ?? '?', runtimeMs, error: stored });
    await this.app.hooks.emit('failure', { id: envelope.id, task: task.name, error: stored });
    await this.app.hooks.emit('postrun', { id: envelope.id, task: task.name, state: TaskState.FAILURE as AnyState, runtimeMs });
    return 'ack';
  }

  /**
   * Writes the record of a task whose body has run. Its effects are done, so if this write were lost
   * the redelivered message would run the body again: the write is retried with backoff until shortly
   * before the invocation's deadline (four retries when there is none).
   */
  private async saveOutcome(record: TaskRecord, options: BatchOptions & { readonly messageId: string }): Promise<void> {
    const clock = this.app.clock;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.app.backend().save(record);
        return;
      } catch (error) {
        const waitMs = Math.min(2_000, 100 * 2 ** attempt);
        const outOfTime =
          options.deadlineMs === undefined ? attempt >= 4 : clock.now() + waitMs > options.deadlineMs - this.safetyMarginMs || attempt >= 30;
        if (error instanceof ResultTooLargeError) throw error;
        if (outOfTime) {
          this.log({ type: 'error', messageId: options.messageId, id: record.id, error: toStoredError(error) });
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /** Poison input: record FAILURE saying why (when an id can be read), move the message to the DLQ, acknowledge it. */
  private async reject(record: QueueRecord, poison: Poison): Promise<Disposition> {
    const { envelope } = poison;
    const run = (envelope && scheduleRunOf(envelope.headers)) ?? salvageScheduleRun(record.body);
    const original = toStoredError(poison.original);
    // A bad hand edit of a schedule: say which schedule, where people will look.
    const stored = run ? { ...original, message: `${describeScheduleRun(run)}: ${original.message}` } : original;
    const refused = refusedCeleryIds(poison.original);
    const id = envelope?.id ?? refused.id ?? salvageTaskId(record.body, record);
    const taskName = envelope?.task ?? refused.task ?? salvageTaskName(record.body);
    const now = this.app.clock.now();
    if (id) {
      const queue = queueOf(this.app, record, envelope);
      await this.app.backend().save({
        id,
        sentAt: sentTime(record, envelope?.sentAt ?? null, now),
        ...(envelope ? argsRepr(this.app.findTask(envelope.task)?.options ?? { redact: false }, envelope.args, envelope.kwargs) : {}),
        state: TaskState.FAILURE,
        ...(taskName ? { task: taskName } : {}),
        queue: queue.name,
        retries: poison.retries ?? envelope?.retries ?? 0,
        error: stored,
        dateDone: new Date(now),
        expiresAt: Math.ceil(now / 1000) + this.resultExpiresSeconds(taskName),
      });
    }
    if (envelope && id) await this.workflow.onFailure(envelope, stored, Math.ceil(now / 1000) + this.resultExpiresSeconds(taskName));
    await this.app.broker().deadLetter(record.eventSourceARN, {
      body: record.body,
      messageId: record.messageId,
      reason: {
        code: stored.code ?? stored.type,
        message: stored.message,
        ...(id ? { taskId: id } : {}),
        ...(run ? { schedule: `${run.group}/${run.name}` } : {}),
      },
    });
    this.log({ type: 'rejected', id, task: taskName, messageId: record.messageId, error: stored });
    return 'ack';
  }

  /** A sub-minute schedule's firing: enqueue the minute's runs, then drop the firing. */
  private async fanOut(record: QueueRecord, envelope: Envelope, everySeconds: number, now: number): Promise<Disposition> {
    const messages = fanOutMessages(envelope, everySeconds, now);
    const queueName = parseQueueName(record.eventSourceARN);
    for (let i = 0; i < messages.length; i += 10) {
      const outcomes = await this.app.broker().sendBatch(queueName, messages.slice(i, i + 10));
      const refused = outcomes.find((outcome) => !outcome.ok);
      // Sent runs are deduplicated by id when the firing is retried.
      if (refused && !refused.ok) throw new Error(`fan-out of ${envelope.task} not fully sent: ${refused.code}: ${refused.message}`);
    }
    this.log({ type: 'fanned-out', id: envelope.id, task: envelope.task, runs: messages.length, everySeconds });
    return 'ack';
  }

  private async defer(record: QueueRecord, envelope: Envelope, seconds: number, reason: 'running' | 'eta' | 'deadline' | 'rate'): Promise<Disposition> {
    const bounded = Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(1, seconds));
    this.log({ type: 'deferred', id: envelope.id, task: envelope.task, seconds: bounded, reason });
    if (reason === 'rate' && bounded <= 900 && receiveCount(record) >= Math.ceil(queueOf(this.app, record, envelope).maxReceiveCount / 2)) {
      // Waiting for a rate-limit turn is no failure: before the queue's maxReceiveCount would move the
      // message to its dead-letter queue, send the same body afresh (same task id) and drop this one.
      const [sent] = await this.app.broker().sendBatch(parseQueueName(record.eventSourceARN), [{ id: envelope.id, body: record.body, delaySeconds: bounded }]);
      if (sent?.ok) return 'ack';
    }
    await this.changeVisibility(record, bounded);
    return 'requeue';
  }

  private async changeVisibility(record: QueueRecord, seconds: number): Promise<void> {
    try {
      await this.app.broker().changeVisibility(record.eventSourceARN, record.receiptHandle, seconds);
    } catch (error) {
      // The message still comes back, after its current visibility timeout.
      this.log({ type: 'error', messageId: record.messageId, error: toStoredError(error) });
    }
  }

  private baseRecord(
    envelope: Envelope,
    queue: ResolvedQueue,
    expiresAt: number,
  ): Pick<TaskRecord, 'id' | 'task' | 'queue' | 'expiresAt' | 'listed' | 'parentId' | 'rootId' | 'groupId'> {
    return {
      id: envelope.id,
      task: envelope.task,
      queue: queue.name,
      expiresAt,
      ...(this.app.findTask(envelope.task)?.options.listed === false ? { listed: false as const } : {}),
      ...(envelope.parentId !== null ? { parentId: envelope.parentId } : {}),
      ...(envelope.rootId !== null ? { rootId: envelope.rootId } : {}),
      ...(envelope.groupId !== null ? { groupId: envelope.groupId } : {}),
    };
  }

  /** The monitoring fields known when a task starts: shown arguments, sent time, invocation. */
  private monitoring(record: QueueRecord, envelope: Envelope, task: AnyTask, options: BatchOptions) {
    return {
      ...argsRepr(task.options, envelope.args, envelope.kwargs),
      sentAt: sentTime(record, envelope.sentAt, this.app.clock.now()),
      ...(options.invocationId !== undefined ? { workerId: options.invocationId } : {}),
      ...(task.options.listed ? {} : { listed: false as const }),
    };
  }

  private resultExpiresSeconds(taskName: string | undefined): number {
    const task = taskName === undefined ? undefined : this.app.findTask(taskName);
    return task?.options.resultExpiresSeconds ?? this.app.resultExpiresSeconds;
  }
}
