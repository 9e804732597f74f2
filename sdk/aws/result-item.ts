import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ResultRecordError, type StoredError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { TaskRecord } from '../core/ports/result-backend.js';
import { TaskState } from '../core/states.js';

/** Version of the DynamoDB item layout this library writes. */
export const RESULT_ITEM_VERSION = 1;

/** A DynamoDB item, as the low-level client reads and writes it. */
export type Item = Record<string, AttributeValue>;

/**
 * Item layout (v1): `id` S (key), `v` N, `state` S, `task` S, `queue` S, `result` S (JSON),
 * `error` S (JSON), `retries` N, `dateStarted` / `dateDone` / `leaseUntil` / `retryAt` N (epoch ms),
 * `expiresAt` N (epoch seconds, the table's TTL attribute).
 */
export function encodeResultItem(record: TaskRecord): Item {
  const item: Item = {
    id: { S: record.id },
    v: { N: String(RESULT_ITEM_VERSION) },
    state: { S: record.state },
    retries: { N: String(record.retries) },
    expiresAt: { N: String(record.expiresAt) },
  };
  if (record.task !== undefined) item.task = { S: record.task };
  if (record.queue !== undefined) item.queue = { S: record.queue };
  if (record.result !== undefined) item.result = { S: JSON.stringify(record.result) };
  if (record.error !== undefined) item.error = { S: JSON.stringify(record.error) };
  for (const key of ['dateStarted', 'dateDone', 'leaseUntil', 'retryAt'] as const) {
    const date = record[key];
    if (date !== undefined) item[key] = { N: String(date.getTime()) };
  }
  return item;
}

/** DynamoDB's item size limit (400 KB), in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * An item's size as DynamoDB counts it (attribute names plus values; a number counts at most 21
 * bytes), rounded up, for the attribute types this layout writes.
 */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.N !== undefined) size += Math.min(21, Math.ceil(value.N.length / 2) + 1);
    else size += Buffer.byteLength(JSON.stringify(value));
  }
  return size;
}

/**
 * Reads an item back into a record.
 * @throws {ResultRecordError} when the item is not a celeriac task record.
 */
export function decodeResultItem(item: Item): TaskRecord {
  const id = item.id?.S;
  const state = item.state?.S;
  if (!id || !state || !(Object.values(TaskState) as string[]).includes(state)) {
    throw new ResultRecordError(`Item ${JSON.stringify(item.id)} is not a celeriac task record (state ${JSON.stringify(state)})`);
  }
  const v = Number(item.v?.N ?? RESULT_ITEM_VERSION);
  if (v > RESULT_ITEM_VERSION) {
    throw new ResultRecordError(`Task record ${id} has layout v${v}, newer than this library reads (v${RESULT_ITEM_VERSION}): upgrade celeriac.`);
  }
  return {
    id,
    state: state as TaskState,
    ...(item.task?.S !== undefined ? { task: item.task.S } : {}),
    ...(item.queue?.S !== undefined ? { queue: item.queue.S } : {}),
    ...(item.result?.S !== undefined ? { result: parseJson<JsonValue>(id, 'result', item.result.S) } : {}),
    ...(item.error?.S !== undefined ? { error: parseJson<StoredError>(id, 'error', item.error.S) } : {}),
    retries: Number(item.retries?.N ?? 0),
    ...dateField(item, 'dateStarted'),
    ...dateField(item, 'dateDone'),
    ...dateField(item, 'leaseUntil'),
    ...dateField(item, 'retryAt'),
    expiresAt: Number(item.expiresAt?.N ?? 0),
  };
}

function dateField(item: Item, key: string): Record<string, Date> {
  const n = item[key]?.N;
  return n === undefined ? {} : { [key]: new Date(Number(n)) };
}

function parseJson<T>(id: string, field: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ResultRecordError(`Task record ${id} has a ${field} that is not JSON`, { cause });
  }
}
