/**
 * The Celery-compatible layout of a task record (`celeryCompat: true`): the same item celeriac reads,
 * also readable by Celery's own DynamoDB result backend pointed at the table. One write serves both:
 * - the key `id` is `b'celery-task-meta-<task id>'`, the Python bytes repr Celery uses (celery#5455);
 * - `result` is Binary: the UTF-8 JSON of Celery's task meta (status, result or exception, children,
 *   date_done, task_id), from which celeriac reads its result back;
 * - `timestamp` N, epoch seconds, which Celery's reader requires.
 * Every other attribute is celeriac's as usual.
 */
import { inflateSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { JsonValue } from '../core/json.js';
import type { TaskRecord } from '../core/ports/result-backend.js';
import { celeryMetaOf, fromCeleryMeta, type CeleryMetaSource } from '../core/protocol/celery-result.js';
import type { TaskState } from '../core/states.js';

/** Start of a Celery task record's key. */
export const CELERY_KEY_PREFIX = "b'celery-task-meta-";

/** How task records are keyed and laid out in the table. */
export type RecordLayout = 'celeriac' | 'celery';

/** The table key of a task record. */
export function recordKeyOf(id: string, layout: RecordLayout): string {
  return layout === 'celery' ? `${CELERY_KEY_PREFIX}${id}'` : id;
}

/** `{ id: { S: key } }` of a task record. */
export function recordKey(id: string, layout: RecordLayout): Record<string, AttributeValue> {
  return { id: { S: recordKeyOf(id, layout) } };
}

/** The task id in a record's key, either layout. */
export function taskIdOfKey(key: string): string {
  return key.startsWith(CELERY_KEY_PREFIX) && key.endsWith("'") ? key.slice(CELERY_KEY_PREFIX.length, -1) : key;
}

/** The `result` (B, Celery's meta) and `timestamp` (N) attributes of a record in the Celery layout. */
export function celeryAttributes(record: CeleryMetaSource, now: Date = new Date()): { result: AttributeValue; timestamp: AttributeValue } {
  return {
    result: { B: new TextEncoder().encode(JSON.stringify(celeryMetaOf(record))) },
    timestamp: { N: String(now.getTime() / 1000) },
  };
}

/** celeriac's result from a Binary `result` (Celery's meta), or undefined when it holds none. */
export function resultOfCeleryAttribute(value: Uint8Array): JsonValue | undefined {
  return fromCeleryMeta(parseCeleryMeta(value)).result;
}

const COMPRESSED_MARKER = '\u0000celery-compressed\u0000';

/** The JSON meta of a Binary `result`, unwrapping Celery's `result_compression` marker (zlib, whatever its name says). */
export function parseCeleryMeta(value: Uint8Array): unknown {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bytes.subarray(0, COMPRESSED_MARKER.length).toString('latin1') === COMPRESSED_MARKER) {
    const end = bytes.indexOf(0, COMPRESSED_MARKER.length);
    return JSON.parse(inflateSync(bytes.subarray(end + 1)).toString('utf8'));
  }
  return JSON.parse(bytes.toString('utf8'));
}

/**
 * A record written by a Celery worker's DynamoDB backend into the app's table (a remote task's
 * result): only `id`, `result` (B) and `timestamp`, read into a celeriac record.
 */
export function decodeCeleryItem(id: string, item: Record<string, AttributeValue>): TaskRecord {
  const outcome = fromCeleryMeta(parseCeleryMeta(item.result!.B!));
  return {
    id,
    state: outcome.state as TaskState,
    retries: 0,
    expiresAt: Number(item.ttl?.N ?? 0),
    ...(outcome.result !== undefined ? { result: outcome.result } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(outcome.dateDone ? { dateDone: outcome.dateDone } : {}),
    ...(outcome.children ? { children: outcome.children } : {}),
  };
}
