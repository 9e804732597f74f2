/**
 * What the worker records after a task's body ran: SUCCESS, FAILURE, RETRY or REVOKED, with the
 * workflow effects, log events and hooks of each. Each returns the decision that settles the message.
 */
import type { App } from '../core/app.js';
import { MAX_RETRY_HISTORY, MAX_VISIBILITY_TIMEOUT_SECONDS } from '../core/defaults.js';
import { MaxRetriesExceededError, ResultTooLargeError, TaskRevokedError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { RetryEntry, TaskRecord } from '../core/ports/result-backend.js';
import { retryDelaySeconds } from '../core/retry.js';
import { Ignore, Reject, Retry } from '../core/signals.js';
import { TaskState, type AnyState } from '../core/states.js';
import type { AnyTask } from '../core/task.js';
import type { Decision, Delivery, WorkerParts } from './delivery.js';
import { Poison } from './message-input.js';
import { toStoredError } from './stored-error.js';

/** The record fields every write about a delivery carries. */
export function baseRecord(
  app: App,
  { envelope, queue, expiresAt }: Delivery,
): Pick<TaskRecord, 'id' | 'task' | 'queue' | 'expiresAt' | 'listed' | 'parentId' | 'rootId' | 'groupId'> {
  return {
    id: envelope.id,
    task: envelope.task,
    queue: queue.name,
    expiresAt,
    ...(app.findTask(envelope.task)?.options.listed === false ? { listed: false as const } : {}),
    ...(envelope.parentId !== null ? { parentId: envelope.parentId } : {}),
    ...(envelope.rootId !== null ? { rootId: envelope.rootId } : {}),
    ...(envelope.groupId !== null ? { groupId: envelope.groupId } : {}),
  };
}

/** One run of a task's body: the record as it started (with its runtime) and the ids of the tasks it sent. */
export interface Attempt {
  readonly base: Omit<TaskRecord, 'state' | 'retries'>;
  readonly runtimeMs: number;
  readonly children: readonly string[];
}

/** Records the outcome of an attempt. */
export class TaskRecords {
  constructor(private readonly parts: WorkerParts) {}

  /** The body returned `value`: links sent, SUCCESS recorded (unless `ignoreResult`), chord joined. */
  async success(delivery: Delivery, attempt: Attempt, value: unknown): Promise<Decision> {
    const { app, log, workflow } = this.parts;
    const { envelope, task, retries, hooks } = delivery;
    let result: JsonValue;
    try {
      result = JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
    } catch (cause) {
      return this.failure(delivery, attempt, new TypeError(`Task returned a value that cannot be stored as JSON: ${(cause as Error).message}`));
    }
    const linked = await workflow.sendLinks(envelope, result);
    const children = [...attempt.children, ...linked];
    if (!envelope.ignoreResult) {
      const success: TaskRecord = {
        ...attempt.base,
        state: TaskState.SUCCESS,
        retries,
        result,
        dateDone: new Date(app.clock.now()),
        ...(children.length ? { children } : {}),
      };
      try {
        await this.saveOutcome(delivery, success);
      } catch (error) {
        if (!(error instanceof ResultTooLargeError)) throw error;
        const head = JSON.stringify(result).slice(0, 1024);
        return this.failure(delivery, attempt, error, { 'celeriac:truncated': true, sizeBytes: error.sizeBytes, head });
      }
    }
    await workflow.joinChord(envelope);
    log({ type: 'succeeded', id: envelope.id, task: task.name, runtimeMs: attempt.runtimeMs, result });
    hooks.fire('success', { id: envelope.id, task: task.name, result, runtimeMs: attempt.runtimeMs });
    hooks.fire('postrun', { id: envelope.id, task: task.name, state: TaskState.SUCCESS, runtimeMs: attempt.runtimeMs });
    return { kind: 'ack' };
  }

  /** The body threw: ignored, rejected to the dead-letter queue, retried, or FAILURE. */
  async error(delivery: Delivery, attempt: Attempt, error: unknown): Promise<Decision> {
    const { app, log } = this.parts;
    const { envelope, task, retries, hooks } = delivery;
    if (error instanceof Ignore) return { kind: 'ack' };
    if (error instanceof Reject) return { kind: 'dead-letter', poison: new Poison(error, envelope, retries) };
    const retry = this.retryDecision(task, error, retries);
    if (retry === undefined) return this.failure(delivery, attempt, error);
    if (retry === 'exhausted') {
      const cause = error instanceof Retry ? error.cause : error;
      return this.failure(delivery, attempt, cause ?? new MaxRetriesExceededError(task.name, retries));
    }
    const now = app.clock.now();
    const stored = toStoredError(error instanceof Retry && error.cause !== undefined ? error.cause : error);
    const entry: RetryEntry = { at: new Date(now), countdownSeconds: retry, error: `${stored.type}: ${stored.message}`.slice(0, 300) };
    await app.backend().save({
      ...attempt.base,
      state: TaskState.RETRY,
      retries: retries + 1,
      error: stored,
      retryAt: new Date(now + retry * 1000),
      retryHistory: [...delivery.retryHistory, entry].slice(-MAX_RETRY_HISTORY),
    });
    log({ type: 'retry', id: envelope.id, task: task.name, retries: retries + 1, countdownSeconds: retry, error: stored });
    hooks.fire('retry', { id: envelope.id, task: task.name, retries: retries + 1, countdownSeconds: retry, error: stored });
    hooks.fire('postrun', { id: envelope.id, task: task.name, state: TaskState.RETRY, runtimeMs: attempt.runtimeMs });
    return { kind: 'retry', seconds: retry };
  }

  /** A running task stopped by `revoke({ terminate: true })`: recorded REVOKED. */
  async terminated(delivery: Delivery, attempt: Attempt, reason: string): Promise<Decision> {
    const { app, log } = this.parts;
    const { envelope, task, hooks } = delivery;
    const error = toStoredError(new TaskRevokedError(envelope.id, reason));
    await app.backend().save({ ...attempt.base, state: TaskState.REVOKED, retries: delivery.retries, error, dateDone: new Date(app.clock.now()) });
    log({ type: 'revoked', id: envelope.id, task: task.name, reason });
    hooks.fire('revoked', { id: envelope.id, task: task.name, reason, terminated: true });
    hooks.fire('postrun', { id: envelope.id, task: task.name, state: TaskState.REVOKED, runtimeMs: attempt.runtimeMs });
    return { kind: 'ack' };
  }

  /** Failed for good: FAILURE recorded (unless ignored), errbacks and chord failure sent. */
  async failure(delivery: Delivery, attempt: Attempt, error: unknown, result?: JsonValue): Promise<Decision> {
    const { app, log, workflow } = this.parts;
    const { envelope, task, retries, hooks } = delivery;
    const { base, runtimeMs } = attempt;
    const stored = toStoredError(error);
    if (!envelope.ignoreResult || task.options.storeErrorsEvenIfIgnored) {
      await this.saveOutcome(delivery, {
        ...base,
        state: TaskState.FAILURE,
        retries,
        error: stored,
        ...(result === undefined ? {} : { result }),
        dateDone: new Date(app.clock.now()),
      });
    }
    await workflow.onFailure(envelope, stored, base.expiresAt);
    log({ type: 'failed', id: base.id, task: base.task ?? '?', runtimeMs, error: stored });
    hooks.fire('failure', { id: envelope.id, task: task.name, error: stored });
    hooks.fire('postrun', { id: envelope.id, task: task.name, state: TaskState.FAILURE as AnyState, runtimeMs });
    return { kind: 'ack' };
  }

  /**
   * Writes the record of a task whose body has run. Its effects are done, so if this write were lost
   * the redelivered message would run the body again: the write is retried with backoff until shortly
   * before the invocation's deadline (four retries when there is none).
   */
  private async saveOutcome({ options, record: message }: Delivery, record: TaskRecord): Promise<void> {
    const { app, log, safetyMarginMs } = this.parts;
    for (let attempt = 0; ; attempt++) {
      try {
        await app.backend().save(record);
        return;
      } catch (error) {
        const waitMs = Math.min(2_000, 100 * 2 ** attempt);
        const outOfTime = options.deadlineMs === undefined ? attempt >= 4 : app.clock.now() + waitMs > options.deadlineMs - safetyMarginMs || attempt >= 30;
        if (error instanceof ResultTooLargeError) throw error;
        if (outOfTime) {
          log({ type: 'error', messageId: message.messageId, id: record.id, error: toStoredError(error) });
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /** Seconds until the next attempt, 'exhausted' when no retry is left, undefined when the error is not retried. */
  private retryDecision(task: AnyTask, error: unknown, retries: number): number | 'exhausted' | undefined {
    const policy = task.options.retry;
    let countdown: number | undefined;
    let maxRetries = policy.maxRetries;
    if (error instanceof Retry) {
      countdown = error.countdownSeconds;
      maxRetries = error.maxRetries ?? maxRetries;
    } else if (!autoretries(task, error)) {
      return undefined;
    }
    if (retries >= maxRetries) return 'exhausted';
    const seconds = countdown ?? retryDelaySeconds(policy, retries, this.parts.random);
    return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, Math.ceil(seconds)));
  }
}

function autoretries(task: AnyTask, error: unknown): boolean {
  const rule = task.options.autoretryFor;
  if (!rule) return false;
  if (typeof rule === 'function') return rule(error);
  return rule.some((type) => error instanceof type);
}
