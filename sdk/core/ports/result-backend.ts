import type { StoredError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { AnyState, TaskState } from '../states.js';

/** One retry of a task, as the monitoring timeline shows it. */
export interface RetryEntry {
  /** When the attempt failed and the retry was scheduled. */
  readonly at: Date;
  /** Seconds until the next attempt. */
  readonly countdownSeconds: number;
  /** `Type: message` of the error that caused it, capped. */
  readonly error: string;
}

/**
 * What a record keeps for monitoring (the dashboard, `celeriac inspect`). Every field is optional:
 * hand-written messages and older records lack some.
 */
export interface TaskMonitoring {
  /** The positional arguments as JSON text, size-capped or redacted (Celery: `argsrepr`). */
  readonly argsRepr?: string;
  /** The keyword arguments as JSON text, size-capped or redacted (Celery: `kwargsrepr`). */
  readonly kwargsRepr?: string;
  /** When the task was sent: the envelope's `sentAt`, else the broker's sent timestamp. */
  readonly sentAt?: Date;
  /** Milliseconds the last attempt ran. */
  readonly runtimeMs?: number;
  /** The worker invocation that ran the last attempt (Lambda: the request id). */
  readonly workerId?: string;
  /** Each retry, oldest first (the last 20). */
  readonly retryHistory?: readonly RetryEntry[];
  /**
   * `false` when the record is left out of listings (the task's `listed` option): the backend then
   * lists nothing for it.
   */
  readonly listed?: false;
}

/** What the result backend knows about one task (Celery: the task meta). */
export interface TaskRecord extends TaskMonitoring {
  /** Task id. */
  readonly id: string;
  /** Current state: one of Celery's, or a custom one set by `updateState()` (e.g. `PROGRESS`). */
  readonly state: AnyState;
  /** Task name, when known. */
  readonly task?: string;
  /** Logical queue name, when known. */
  readonly queue?: string;
  /** The return value (SUCCESS). */
  readonly result?: JsonValue;
  /** The error (FAILURE, and the last error of RETRY). */
  readonly error?: StoredError;
  /** Retries made so far. */
  readonly retries: number;
  /** When the current attempt started. */
  readonly dateStarted?: Date;
  /** When the task reached a ready state. */
  readonly dateDone?: Date;
  /** While STARTED: when the claim lapses and another delivery may run the task. */
  readonly leaseUntil?: Date;
  /** While RETRY: when the next attempt is due. */
  readonly retryAt?: Date;
  /** When the record may be deleted (the table's TTL), in epoch seconds. */
  readonly expiresAt: number;
  /** Custom state metadata set by `updateState()` (e.g. `{ current, total }`). */
  readonly meta?: JsonValue;
  /** Id of the task that sent this one (workflows). */
  readonly parentId?: string;
  /** Id of the first task of the workflow. */
  readonly rootId?: string;
  /** Id of the group (or chord header) this task belongs to. */
  readonly groupId?: string;
  /** Ids of the tasks this one sent (its links and the tasks it called `delay()` on). */
  readonly children?: readonly string[];
  /** While STARTED: a `revoke({ terminate: true })` asks the running worker to stop. */
  readonly terminateRequested?: boolean;
}

/** Asks to start running a task. */
export interface ClaimRequest {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly now: Date;
  /** End of the claim: the message's visibility timeout. */
  readonly leaseUntil: Date;
  /** TTL of the record, epoch seconds. */
  readonly expiresAt: number;
  /** Monitoring fields known when the task starts, written with the claim. */
  readonly monitoring?: Pick<TaskMonitoring, 'argsRepr' | 'kwargsRepr' | 'sentAt' | 'workerId' | 'listed'>;
  /**
   * A hint: `true` when the message is delivered for the first time (SQS receive count 1), so the
   * task most likely has no record yet; `false` for a redelivery (a retry, a crashed attempt). A
   * backend may pick its cheapest write from it; the outcome must not depend on it.
   * @default true
   */
  readonly firstDelivery?: boolean;
}

/** Result of a claim. */
export type ClaimOutcome =
  /** The caller owns the task and runs it. `retries` counts earlier attempts. */
  | { readonly status: 'claimed'; readonly retries: number; readonly retryHistory?: readonly RetryEntry[] }
  /** The task already reached `state` (a duplicate delivery): acknowledge, do not run. */
  | { readonly status: 'finished'; readonly state: TaskState }
  /** Another delivery is running it under a live lease: put this one back until `leaseUntil`. */
  | { readonly status: 'running'; readonly leaseUntil: Date };

/** Asks to revoke a task. */
export interface RevokeRequest {
  readonly id: string;
  /** Why, recorded with the REVOKED state. */
  readonly reason: string;
  /** Also stop it when it is running (its `signal` aborts; the record becomes REVOKED). */
  readonly terminate: boolean;
  readonly now: Date;
  /** TTL of the record, epoch seconds. */
  readonly expiresAt: number;
}

/** Result of a revoke. */
export type RevokeOutcome =
  /** Recorded REVOKED: the task will not run (or, terminated, is asked to stop). */
  | { readonly status: 'revoked' }
  /** Running: with `terminate` the worker was asked to stop it, else nothing changed. */
  | { readonly status: 'running'; readonly terminateRequested: boolean }
  /** Already SUCCESS, FAILURE or REVOKED: nothing changed. */
  | { readonly status: 'finished'; readonly state: TaskState };

/**
 * Where task records live (Celery's result backend): claim, state transitions, reads, revokes and
 * deletes of one record per task. Writes are single items; `claim` is one conditional write. The
 * primitives canvas and control need beside the records (chord joins, rate-limit turns,
 * idempotency keys) are the `Coordination` port's (`./coordination.ts`).
 */
export interface ResultBackend {
  /**
   * Atomically moves the task to STARTED when nobody holds it: it is unknown, PENDING, RETRY, or
   * STARTED with a lapsed lease. One conditional write, no read.
   */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /** Writes a state transition (RETRY, SUCCESS, FAILURE, REVOKED), replacing the record. */
  save(record: TaskRecord): Promise<void>;
  /** Reads a record; undefined when the backend has none (Celery reports that as PENDING). */
  get(id: string): Promise<TaskRecord | undefined>;
  /** Deletes a record. */
  forget(id: string): Promise<void>;
  /**
   * Sets a custom state (e.g. `PROGRESS`) with its metadata on a task that is running, keeping its
   * lease. Returns false (and changes nothing) when the record is missing or already final.
   */
  updateState(id: string, state: string, meta: JsonValue): Promise<boolean>;
  /**
   * Revokes a task: an unknown, PENDING or RETRY task is recorded REVOKED (a later delivery is not
   * run); a running one is flagged `terminateRequested` when asked to terminate; a finished one is left.
   */
  revoke(request: RevokeRequest): Promise<RevokeOutcome>;
  /**
   * Opens a batch (the worker: one per queue batch): what the backend writes for listings while it is
   * open may be held back and written together when the returned function is called, and the
   * `save()`s made close together may share one request. Records are never held past their promise:
   * each write above is done when its promise resolves.
   * @param size - the messages in the batch, when known: once as many records have been saved, the
   *   backend need not wait for more.
   * @returns the function that closes the batch; it rejects when the held writes fail.
   */
  openBatch?(size?: number): () => Promise<void>;
}
