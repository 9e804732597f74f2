import type { StoredError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { TaskState } from '../states.js';

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
}

/** What the result backend knows about one task (Celery: the task meta). */
export interface TaskRecord extends TaskMonitoring {
  /** Task id. */
  readonly id: string;
  /** Current state. */
  readonly state: TaskState;
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
  readonly monitoring?: Pick<TaskMonitoring, 'argsRepr' | 'kwargsRepr' | 'sentAt' | 'workerId'>;
}

/** Result of a claim. */
export type ClaimOutcome =
  /** The caller owns the task and runs it. `retries` counts earlier attempts. */
  | { readonly status: 'claimed'; readonly retries: number; readonly retryHistory?: readonly RetryEntry[] }
  /** The task already reached `state` (a duplicate delivery): acknowledge, do not run. */
  | { readonly status: 'finished'; readonly state: TaskState }
  /** Another delivery is running it under a live lease: put this one back until `leaseUntil`. */
  | { readonly status: 'running'; readonly leaseUntil: Date };

/**
 * Where task states and results live (Celery's result backend). Writes are single items;
 * `claim` is one conditional write.
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
}
