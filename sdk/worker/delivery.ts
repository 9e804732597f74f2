import type { App, ResolvedQueue } from '../core/app.js';
import type { RetryEntry, TaskMonitoring } from '../core/ports/result-backend.js';
import type { Envelope } from '../core/protocol/envelope.js';
import type { AnyTask } from '../core/task.js';
import { argsRepr } from './args-repr.js';
import type { WorkerEvent } from './events.js';
import type { HookRunner } from './hook-runner.js';
import { decodeMessage, lookupTask, queueOf, receiveCount, sentTime, validateMessageArgs, type Poison } from './message-input.js';
import type { RateGate, Turn } from './rate-gate.js';
import type { WorkflowEffects } from './workflow.js';
import type { BatchOptions, QueueRecord } from './worker-types.js';

/** Why a message goes back to the queue without running. */
export type DeferReason = Extract<WorkerEvent, { type: 'deferred' }>['reason'];

/** The monitoring fields written with the claim. */
export type ClaimMonitoring = Pick<TaskMonitoring, 'argsRepr' | 'kwargsRepr' | 'sentAt' | 'workerId' | 'listed'>;

/**
 * One message on its way through the worker: what was read from it once, and what the steps learnt
 * (the rate-limit turn, the claim). Every step reads and writes this one value.
 */
export interface Delivery {
  readonly record: QueueRecord;
  readonly options: BatchOptions;
  readonly envelope: Envelope;
  readonly task: AnyTask;
  /** The arguments, checked by the task's schema. */
  readonly args: unknown[];
  readonly queue: ResolvedQueue;
  /** When the worker read the message (the app's clock), epoch ms. */
  readonly now: number;
  /** SQS's receive count: 1 on the first delivery. */
  readonly receiveCount: number;
  /** TTL of the records written for this task, epoch seconds. */
  readonly expiresAt: number;
  readonly monitoring: ClaimMonitoring;
  /** The message's hooks, settled after its disposition. */
  readonly hooks: HookRunner;
  /** The turn reserved by the rate-limit step, when the task has a rate limit. */
  turn?: Turn;
  /** Retries made before this attempt: from the claim (or the receive count, in lean mode). */
  retries: number;
  /** Retry history read with the claim. */
  retryHistory: readonly RetryEntry[];
}

/**
 * What a step decided about a delivery. `continue` hands it to the next step; every other decision
 * ends the path and is settled into the message's disposition (`ack` or `requeue`).
 */
export type Decision =
  | { readonly kind: 'continue' }
  /** Done with: delete the message. */
  | { readonly kind: 'ack' }
  /** Not run now: back to the queue for `seconds` (logged as deferred, with the reason). */
  | { readonly kind: 'defer'; readonly seconds: number; readonly reason: DeferReason }
  /** Ran and failed, with a retry left: back to the queue for the retry delay. */
  | { readonly kind: 'retry'; readonly seconds: number }
  /** Cannot run: FAILURE recorded, copied to the dead-letter queue, then acknowledged. */
  | { readonly kind: 'dead-letter'; readonly poison: Poison };

/** `continue`, shared. */
export const CONTINUE: Decision = { kind: 'continue' };

/** What the steps need from the worker. */
export interface WorkerParts {
  readonly app: App;
  readonly log: (event: WorkerEvent) => void;
  readonly rates: RateGate;
  readonly workflow: WorkflowEffects;
  /** Milliseconds before the invocation's deadline at which running tasks are stopped. */
  readonly safetyMarginMs: number;
  readonly random: () => number;
  readonly revokeCheckIntervalMs: number;
}

/**
 * Reads a message once: envelope, task, checked arguments, queue and monitoring fields.
 * @throws {Poison} when the message cannot run (not an envelope, an unknown task, arguments failing the schema).
 */
export async function readDelivery(app: App, record: QueueRecord, options: BatchOptions, hooks: HookRunner): Promise<Delivery> {
  const envelope = decodeMessage(record);
  const task = lookupTask(app, envelope);
  const args = await validateMessageArgs(task, envelope);
  const now = app.clock.now();
  return {
    record,
    options,
    envelope,
    task,
    args,
    queue: queueOf(app, record, envelope),
    now,
    receiveCount: receiveCount(record),
    expiresAt: Math.ceil(now / 1000) + task.options.resultExpiresSeconds,
    monitoring: {
      ...argsRepr(task.options, envelope.args, envelope.kwargs),
      sentAt: sentTime(record, envelope.sentAt, app.clock.now()),
      ...(options.invocationId !== undefined ? { workerId: options.invocationId } : {}),
      ...(task.options.listed ? {} : { listed: false as const }),
    },
    hooks,
    retries: 0,
    retryHistory: [],
  };
}
