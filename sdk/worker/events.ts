import type { StoredError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { TaskState } from '../core/states.js';

/** What the worker reports about each message, for logs and metrics. */
export type WorkerEvent =
  | {
      readonly type: 'succeeded';
      readonly id: string;
      readonly task: string;
      readonly runtimeMs: number;
      /** The task's result (the default logger leaves it out unless `logPayloads: true`). */
      readonly result?: JsonValue;
    }
  | { readonly type: 'failed'; readonly id: string; readonly task: string; readonly runtimeMs: number; readonly error: StoredError }
  | {
      readonly type: 'retry';
      readonly id: string;
      readonly task: string;
      readonly retries: number;
      readonly countdownSeconds: number;
      readonly error: StoredError;
    }
  | {
      readonly type: 'rejected';
      readonly id: string | undefined;
      readonly task: string | undefined;
      readonly messageId: string;
      readonly error: StoredError;
    }
  | { readonly type: 'duplicate'; readonly id: string; readonly task: string; readonly state: TaskState }
  | {
      readonly type: 'deferred';
      readonly id: string;
      readonly task: string;
      readonly seconds: number;
      readonly reason: 'running' | 'eta' | 'deadline' | 'rate';
    }
  | { readonly type: 'revoked'; readonly id: string; readonly task: string; readonly reason: string }
  | { readonly type: 'fanned-out'; readonly id: string; readonly task: string; readonly runs: number; readonly everySeconds: number }
  | {
      readonly type: 'hooks-pending';
      readonly messageId: string;
      /** Hook emissions still running when the worker stopped waiting. */
      readonly pending: number;
      readonly waitedMs: number;
    }
  | {
      readonly type: 'listing-failed';
      /** Why the batch's tasks could not be listed (their records are written; they are listed at the next batch's end). */
      readonly error: StoredError;
    }
  | {
      readonly type: 'error';
      readonly messageId: string;
      /** The task whose body ran but whose record could not be written (it will run again). */
      readonly id?: string;
      readonly error: StoredError;
    };

/**
 * One log line per event, in the manner of a Celery worker.
 * @example
 * formatWorkerEvent({ type: 'succeeded', id: '3f2a…', task: 'math.add', runtimeMs: 21, result: 8 })
 * // 'Task math.add[3f2a…] succeeded in 0.021s: 8'
 */
export function formatWorkerEvent(event: WorkerEvent): string {
  switch (event.type) {
    case 'succeeded':
      return `Task ${event.task}[${event.id}] succeeded in ${(event.runtimeMs / 1000).toFixed(3)}s${'result' in event ? `: ${preview(event.result ?? null)}` : ''}`;
    case 'failed':
      return `Task ${event.task}[${event.id}] raised unexpected: ${event.error.type}('${event.error.message}') after ${(event.runtimeMs / 1000).toFixed(3)}s`;
    case 'retry':
      return `Task ${event.task}[${event.id}] retry ${event.retries}: Retry in ${event.countdownSeconds}s: ${event.error.type}('${event.error.message}')`;
    case 'rejected':
      return `Message ${event.messageId}${event.id ? ` (task ${event.task ?? '?'}[${event.id}])` : ''} rejected to the dead-letter queue: ${event.error.type}: ${event.error.message}`;
    case 'duplicate':
      return `Task ${event.task}[${event.id}] is already ${event.state}: duplicate delivery acknowledged, not run again`;
    case 'deferred':
      return `Task ${event.task}[${event.id}] deferred ${event.seconds}s (${DEFER_REASONS[event.reason]})`;
    case 'revoked':
      return `Task ${event.task}[${event.id}] revoked: ${event.reason}`;
    case 'fanned-out':
      return `Schedule firing ${event.id}: ${event.runs} runs of ${event.task} enqueued this minute, every ${event.everySeconds}s`;
    case 'hooks-pending':
      return `Message ${event.messageId}: ${event.pending} hook emission(s) still running after ${event.waitedMs} ms; its disposition is settled, the worker goes on without them`;
    case 'listing-failed':
      return `The batch's tasks could not be listed (their records are written; the listing is tried again at the next batch's end): ${event.error.type}: ${event.error.message}`;
    case 'error':
      return event.id
        ? `Task [${event.id}] ran but its record could not be written; message ${event.messageId} stays on the queue and the task will run again: ${event.error.type}: ${event.error.message}`
        : `Message ${event.messageId} left on the queue after an internal error: ${event.error.type}: ${event.error.message}`;
  }
}

const DEFER_REASONS = {
  running: 'another delivery is running it',
  eta: 'its eta is ahead',
  deadline: 'too little time left in this invocation',
  rate: 'over its rate limit',
} as const;

function preview(value: JsonValue): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
