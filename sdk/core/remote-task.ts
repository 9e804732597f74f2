/**
 * A task that another system's workers run: declared by name with its types, sent in that system's
 * message format. Today one protocol: `celery`, a Python Celery 5.x worker on an SQS queue.
 */
import { randomUUID } from 'node:crypto';
import type { AsyncResult } from './async-result.js';
import { ConfigError, OptionsError } from './errors.js';
import type { JsonValue, TaskReturn } from './json.js';
import type { Clock } from './ports/clock.js';
import type { OutgoingMessage } from './ports/broker.js';
import { encodeCeleryMessage } from './protocol/celery-encode.js';

/** How a remote task is reached. */
export interface RemoteTaskOptions {
  /** The message format its workers read. */
  readonly protocol: 'celery';
  /**
   * The SQS queue its workers consume, by physical name (the queue behind Celery's
   * `predefined_queues` entry, or `queue_name_prefix` + the translated Celery queue name).
   */
  readonly queue: string;
  /**
   * The Celery name of that queue, written as the routing key: it must be the worker's
   * `predefined_queues` key (kombu's ack fails on any other name and the worker exits).
   * @default - the same as `queue`
   */
  readonly celeryQueue?: string;
}

/** Per-call options of {@link RemoteTask.applyAsync}. */
export interface RemoteApplyOptions {
  /**
   * Keyword arguments (Python `**kwargs`).
   * @default {}
   */
  readonly kwargs?: Readonly<Record<string, JsonValue>>;
  /**
   * Task id.
   * @default - a random UUID
   */
  readonly taskId?: string;
  /**
   * Run no earlier than this many seconds from now (sent as Celery's `eta` header; a Celery worker
   * holds the message until then, so keep it below the queue's visibility timeout).
   * @default 0
   */
  readonly countdownSeconds?: number;
  /**
   * Do not start after this time; the worker stores REVOKED instead.
   * @default - never
   */
  readonly expires?: Date;
}

/** What a remote task needs from its app. */
export interface RemoteTaskHost {
  readonly app: {
    readonly clock: Clock;
    /** The app's records are in the layout Celery's DynamoDB backend shares. */
    readonly celeryCompat: boolean;
    asyncResult<R>(id: string): AsyncResult<R>;
  };
  send(queueName: string, taskName: string, message: OutgoingMessage): Promise<void>;
}

/**
 * A task run by Celery workers, typed on the celeriac side: arguments `A`, result `R`. Its results
 * are read from the app's table, where the Celery workers' DynamoDB backend writes them.
 * @example
 * const render = app.remoteTask<[string], string>('reports.render', { protocol: 'celery', queue: 'reports-celery' });
 * const text = await (await render.delay('q3')).get({ timeoutMs: 30_000 });
 */
export class RemoteTask<A extends readonly JsonValue[] = JsonValue[], R = unknown> {
  constructor(
    /** The Celery task name. */
    readonly name: string,
    readonly options: RemoteTaskOptions,
    private readonly host: RemoteTaskHost,
  ) {
    if (options.protocol !== 'celery') throw new ConfigError(`remoteTask("${name}"): protocol must be 'celery', received ${JSON.stringify(options.protocol)}.`);
    if (typeof options.queue !== 'string' || !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(options.queue)) {
      throw new ConfigError(`remoteTask("${name}"): queue must be an SQS queue name (1–80 letters, digits, '-' or '_'), received ${JSON.stringify(options.queue)}.`);
    }
    if (!host.app.celeryCompat) {
      throw new ConfigError(
        `remoteTask("${name}") reads its result from the app's table in Celery's layout: create the app with celeryCompat: true ` +
          "and point the Celery workers' result_backend at the app's table (see the README's \"Celery interop\").",
      );
    }
  }

  /** Sends the task with positional arguments (Celery: `delay`). @throws {EnqueueError} when the queue refuses it. */
  delay(...args: A): Promise<AsyncResult<TaskReturn<R>>> {
    return this.applyAsync(args);
  }

  /**
   * Sends the task (Celery: `apply_async`).
   * @throws {OptionsError} for an invalid option.
   * @throws {EnqueueError} when the queue refuses the message.
   */
  async applyAsync(args: A, options: RemoteApplyOptions = {}): Promise<AsyncResult<TaskReturn<R>>> {
    const id = options.taskId ?? randomUUID();
    const countdown = options.countdownSeconds ?? 0;
    if (!Number.isFinite(countdown) || countdown < 0) throw new OptionsError(`countdownSeconds must be ≥ 0, received ${countdown}`);
    const now = this.host.app.clock.now();
    const body = encodeCeleryMessage({
      task: this.name,
      id,
      args,
      kwargs: options.kwargs ?? {},
      queue: this.options.celeryQueue ?? this.options.queue,
      eta: countdown > 0 ? new Date(now + countdown * 1000).toISOString() : null,
      expires: options.expires ? options.expires.toISOString() : null,
    });
    await this.host.send(this.options.queue, this.name, { id, body, delaySeconds: 0 });
    return this.host.app.asyncResult<TaskReturn<R>>(id);
  }
}
