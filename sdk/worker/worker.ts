import type { App } from '../core/app.js';
import { childrenOf, runWithContext, type StateUpdate, type TaskContext } from '../core/context.js';
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_RATE_LIMIT_HORIZON_MS, DEFAULT_REVOKE_CHECK_INTERVAL_MS, MAX_VISIBILITY_TIMEOUT_SECONDS } from '../core/defaults.js';
import { salvageTaskId, salvageTaskName } from '../core/protocol/envelope.js';
import { describeScheduleRun, salvageScheduleRun, scheduleRunOf } from '../core/protocol/schedule-headers.js';
import { Retry } from '../core/signals.js';
import { assertCustomState, TaskState } from '../core/states.js';
import { ADMISSION } from './admission.js';
import { argsRepr } from './args-repr.js';
import { refusedCeleryIds, timeLimitsOf } from './celery-input.js';
import { readDelivery, type Decision, type Delivery, type WorkerParts } from './delivery.js';
import { HookRunner } from './hook-runner.js';
import { jsonLog } from './json-log.js';
import { parseQueueName, Poison, queueOf, sentTime } from './message-input.js';
import { RateGate } from './rate-gate.js';
import { RunGuard } from './run-guard.js';
import { toStoredError } from './stored-error.js';
import { baseRecord, TaskRecords, type Attempt } from './task-records.js';
import { WorkflowEffects } from './workflow.js';
import type { BatchOptions, BatchResponse, Disposition, QueueRecord, WorkerOptions } from './worker-types.js';

export type { BatchOptions, BatchResponse, Disposition, QueueRecord, WorkerOptions } from './worker-types.js';

/**
 * Runs tasks from queue messages, and tells the queue which messages to keep. Each message is read
 * once into a delivery, which goes through the admission steps (fan-out, eta, deadline, rate limit,
 * claim, expiry, rate turn: see `admission.ts`), then runs; the first step that does not say
 * `continue` decides, and that decision is settled into the message's disposition. Pure: it talks
 * to the app's broker, result backend and coordination store through their ports.
 * @example
 * const worker = new Worker(app);
 * export const handler = (event: SQSEvent) => worker.processBatch(event.Records);
 */
export class Worker {
  private readonly app: App;
  private readonly parts: WorkerParts;
  private readonly records: TaskRecords;
  private readonly hookTimeoutMs: number;

  constructor(app: App, options: WorkerOptions = {}) {
    this.app = app;
    const log = options.log ?? jsonLog(app.name, options.logPayloads ?? false);
    this.parts = {
      app,
      log,
      rates: new RateGate(app, options.rateLimitHorizonMs ?? DEFAULT_RATE_LIMIT_HORIZON_MS),
      workflow: new WorkflowEffects(app, log),
      safetyMarginMs: options.safetyMarginMs ?? 1000,
      random: options.random ?? Math.random,
      revokeCheckIntervalMs: options.revokeCheckIntervalMs ?? DEFAULT_REVOKE_CHECK_INTERVAL_MS,
    };
    this.records = new TaskRecords(this.parts);
    this.hookTimeoutMs = options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  }

  /** Processes a batch; the messages to keep on the queue are returned as `batchItemFailures`. */
  async processBatch(records: readonly QueueRecord[], options: BatchOptions = {}): Promise<BatchResponse> {
    const dispositions = await this.inBatch(records.length, () => Promise.all(records.map((record) => this.processRecord(record, options))));
    return {
      batchItemFailures: records.filter((_, i) => dispositions[i] === 'requeue').map((r) => ({ itemIdentifier: r.messageId })),
    };
  }

  /**
   * Processes a batch; one settled promise per record, in order: fulfilled = delete the message,
   * rejected = keep it (the shape `@middy/sqs-partial-batch-failure` reads).
   */
  async settleBatch(records: readonly QueueRecord[], options: BatchOptions = {}): Promise<PromiseSettledResult<void>[]> {
    return this.inBatch(records.length, () =>
      Promise.allSettled(
        records.map(async (record) => {
          if ((await this.processRecord(record, options)) === 'requeue') throw new Error(`message ${record.messageId} stays on the queue`);
        }),
      ),
    );
  }

  /**
   * Runs a batch with the backend's batch open, so the batch's tasks are listed in one write when it
   * ends and their results share requests. A failed listing write is logged; it changes no
   * message's disposition (the records are written).
   */
  private async inBatch<T>(size: number, work: () => Promise<T>): Promise<T> {
    const close = this.app.backend().openBatch?.(size);
    try {
      return await work();
    } finally {
      await close?.().catch((error: unknown) => this.parts.log({ type: 'listing-failed', error: toStoredError(error) }));
    }
  }

  /**
   * Processes one message. Never throws: an internal error leaves the message on the queue. Its
   * hooks are waited for after its disposition is settled, at most `hookTimeoutMs`.
   */
  async processRecord(record: QueueRecord, options: BatchOptions = {}): Promise<Disposition> {
    const hooks = new HookRunner(this.app.hooks);
    const disposition = await this.dispose(record, options, hooks);
    const remainingMs = options.deadlineMs === undefined ? Infinity : options.deadlineMs - Date.now() - this.parts.safetyMarginMs;
    const boundMs = Math.max(0, Math.min(this.hookTimeoutMs, remainingMs));
    const pending = await hooks.settle(boundMs);
    if (pending > 0) this.parts.log({ type: 'hooks-pending', messageId: record.messageId, pending, waitedMs: boundMs });
    return disposition;
  }

  /** Reads, decides and settles one message. */
  private async dispose(record: QueueRecord, options: BatchOptions, hooks: HookRunner): Promise<Disposition> {
    try {
      const delivery = await readDelivery(this.app, record, options, hooks);
      return await this.settle(delivery, await this.handle(delivery));
    } catch (error) {
      if (error instanceof Poison) {
        return this.reject(record, error).catch((rejectError: unknown) => this.internalError(record, rejectError));
      }
      return this.internalError(record, error);
    }
  }

  /** The path of one delivery: the admission steps in order, then the run. */
  private async handle(delivery: Delivery): Promise<Decision> {
    for (const step of ADMISSION) {
      const decision = await step(this.parts, delivery);
      if (decision.kind !== 'continue') return decision;
    }
    return this.run(delivery);
  }

  /** Runs the task's body under its guard, then records the outcome. */
  private async run(delivery: Delivery): Promise<Decision> {
    const { envelope, task, args, queue, options, retries, retryHistory } = delivery;
    const { clock } = this.app;
    const started = clock.now();
    const backend = this.app.backend();
    const guard = new RunGuard({
      label: `${task.name}[${envelope.id}]`,
      ...timeLimitsOf(task, envelope),
      deadlineMs: options.deadlineMs,
      safetyMarginMs: this.parts.safetyMarginMs,
      revokeCheck: {
        intervalMs: this.parts.revokeCheckIntervalMs,
        check: async () => ((await backend.get(envelope.id))?.terminateRequested ? 'terminated by revoke()' : undefined),
      },
    });
    const startedRecord = {
      ...baseRecord(this.app, delivery),
      ...delivery.monitoring,
      ...(retryHistory.length ? { retryHistory } : {}),
      dateStarted: new Date(started),
    };
    let context: TaskContext | undefined;
    delivery.hooks.fire('prerun', { id: envelope.id, task: task.name, args, retries });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | { ok: false; terminated: string };
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
        outcome = settled.kind === 'terminated' ? { ok: false, terminated: settled.reason } : { ok: false, error: settled.error };
      } else {
        outcome = settled;
      }
    } catch (error) {
      outcome = { ok: false, error: guard.deadlineHit && !(error instanceof Retry) ? new Retry(0, guard.controller.signal.reason, undefined) : error };
    } finally {
      guard.dispose();
    }
    const runtimeMs = clock.now() - started;
    const attempt: Attempt = { base: { ...startedRecord, runtimeMs }, runtimeMs, children: context ? childrenOf(context) : [] };
    if (outcome.ok) return this.records.success(delivery, attempt, outcome.value);
    if ('terminated' in outcome) return this.records.terminated(delivery, { ...attempt, base: startedRecord }, outcome.terminated);
    return this.records.error(delivery, attempt, outcome.error);
  }

  /** Records a custom state for the running task (`currentTask().updateState()`). */
  private async updateState(id: string, update: StateUpdate): Promise<void> {
    await this.app.backend().updateState(id, assertCustomState(update.state), update.meta ?? null);
  }

  /** Settles a decision into the message's disposition, doing what it takes on the queue. */
  private async settle(delivery: Delivery, decision: Decision): Promise<Disposition> {
    switch (decision.kind) {
      case 'continue':
      case 'ack':
        return 'ack';
      case 'retry':
        await this.changeVisibility(delivery.record, decision.seconds);
        return 'requeue';
      case 'defer':
        return this.defer(delivery, decision.seconds, decision.reason);
      case 'dead-letter':
        return this.reject(delivery.record, decision.poison);
    }
  }

  private async defer(
    { record, envelope, receiveCount }: Delivery,
    seconds: number,
    reason: Extract<Decision, { kind: 'defer' }>['reason'],
  ): Promise<Disposition> {
    const bounded = Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(1, seconds));
    this.parts.log({ type: 'deferred', id: envelope.id, task: envelope.task, seconds: bounded, reason });
    if (reason === 'rate' && bounded <= 900 && receiveCount >= Math.ceil(queueOf(this.app, record, envelope).maxReceiveCount / 2)) {
      // Waiting for a rate-limit turn is no failure: before the queue's maxReceiveCount would move the
      // message to its dead-letter queue, send the same body afresh (same task id) and drop this one.
      const [sent] = await this.app.broker().sendBatch(parseQueueName(record.eventSourceARN), [{ id: envelope.id, body: record.body, delaySeconds: bounded }]);
      if (sent?.ok) return 'ack';
    }
    await this.changeVisibility(record, bounded);
    return 'requeue';
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
    if (envelope && id) await this.parts.workflow.onFailure(envelope, stored, Math.ceil(now / 1000) + this.resultExpiresSeconds(taskName));
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
    this.parts.log({ type: 'rejected', id, task: taskName, messageId: record.messageId, error: stored });
    return 'ack';
  }

  private async changeVisibility(record: QueueRecord, seconds: number): Promise<void> {
    try {
      await this.app.broker().changeVisibility(record.eventSourceARN, record.receiptHandle, seconds);
    } catch (error) {
      // The message still comes back, after its current visibility timeout.
      this.parts.log({ type: 'error', messageId: record.messageId, error: toStoredError(error) });
    }
  }

  /** An internal error: logged, and the message stays on the queue (it comes back after its visibility timeout). */
  private internalError(record: QueueRecord, error: unknown): Disposition {
    this.parts.log({ type: 'error', messageId: record.messageId, error: toStoredError(error) });
    return 'requeue';
  }

  private resultExpiresSeconds(taskName: string | undefined): number {
    const task = taskName === undefined ? undefined : this.app.findTask(taskName);
    return task?.options.resultExpiresSeconds ?? this.app.resultExpiresSeconds;
  }
}
