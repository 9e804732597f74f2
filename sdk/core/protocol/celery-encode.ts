/**
 * Writes Celery's task message (protocol v2, JSON) as kombu's SQS transport does: the envelope with every
 * header `send_task` writes, both base64 layers, `delivery_info` naming the Celery queue. A Celery 5.x
 * worker runs it as one of its own. Pure.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../json.js';

/** What a Celery message says. */
export interface CeleryMessageSpec {
  /** Celery task name, e.g. `reports.render`. */
  readonly task: string;
  /** Task id. */
  readonly id: string;
  readonly args: readonly JsonValue[];
  /**
   * Keyword arguments.
   * @default {}
   */
  readonly kwargs?: Readonly<Record<string, JsonValue>>;
  /** The Celery queue name (the key of `predefined_queues`, or the name before prefix and translation). */
  readonly queue: string;
  /**
   * Earliest start (ISO 8601).
   * @default - now
   */
  readonly eta?: string | null;
  /**
   * Latest start (ISO 8601); Celery stores REVOKED when it comes later.
   * @default - never
   */
  readonly expires?: string | null;
  /**
   * Retries made so far.
   * @default 0
   */
  readonly retries?: number;
  /**
   * Workflow ids.
   * @default - the task is its own root, with no parent
   */
  readonly rootId?: string | null;
  readonly parentId?: string | null;
  readonly groupId?: string | null;
  /**
   * `[hard, soft]` time limits in seconds.
   * @default - the task's own
   */
  readonly timeLimit?: readonly [number | null, number | null];
  /**
   * `gen<pid>@<host>`-style sender name shown in Celery's logs.
   * @default 'celeriac'
   */
  readonly origin?: string;
  /**
   * Extra headers, merged at the top level as Celery does with `headers=`.
   * @default {}
   */
  readonly headers?: Readonly<Record<string, JsonValue>>;
}

/**
 * The SQS `MessageBody` of a Celery task message.
 * @example
 * const body = encodeCeleryMessage({ task: 'reports.render', id: randomUUID(), args: ['q3'], queue: 'default' });
 */
export function encodeCeleryMessage(spec: CeleryMessageSpec): string {
  const kwargs = spec.kwargs ?? {};
  const headers: Record<string, JsonValue> = {
    lang: 'py',
    task: spec.task,
    id: spec.id,
    shadow: null,
    eta: spec.eta ?? null,
    expires: spec.expires ?? null,
    group: spec.groupId ?? null,
    group_index: null,
    retries: spec.retries ?? 0,
    timelimit: spec.timeLimit ? [...spec.timeLimit] : [null, null],
    root_id: spec.rootId ?? spec.id,
    parent_id: spec.parentId ?? null,
    argsrepr: pyRepr([...spec.args], '(', ')'),
    kwargsrepr: pyRepr(kwargs, '{', '}'),
    origin: spec.origin ?? 'celeriac',
    ignore_result: false,
    replaced_task_nesting: 0,
    stamped_headers: null,
    stamps: {},
    ...(spec.headers ?? {}),
  };
  const body = [spec.args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }];
  const envelope = {
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      correlation_id: spec.id,
      reply_to: randomUUID(),
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: spec.queue },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
}

/** A short Python-like repr for Celery's logs (`argsrepr`); never parsed. */
function pyRepr(value: readonly JsonValue[] | Readonly<Record<string, JsonValue>>, open: string, close: string): string {
  const text = JSON.stringify(value).slice(1, -1).slice(0, 1024);
  return `${open}${text}${Array.isArray(value) && value.length === 1 ? ',' : ''}${close}`;
}
