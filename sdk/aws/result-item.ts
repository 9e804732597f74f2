import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ResultRecordError, type StoredError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { RetryEntry, TaskRecord } from '../core/ports/result-backend.js';
import { CUSTOM_STATE, TaskState } from '../core/states.js';
import { celeryAttributes, decodeCeleryItem, recordKeyOf, resultOfCeleryAttribute, taskIdOfKey, type RecordLayout } from './celery-result-item.js';

/** Version of the DynamoDB item layout this library writes. */
export const RESULT_ITEM_VERSION = 1;

/** A DynamoDB item, as the low-level client reads and writes it. */
export type Item = Record<string, AttributeValue>;

/**
 * Item layout (v1): `id` S (key), `v` N, `state` S, `task` S, `queue` S, `result` S (JSON),
 * `error` S (JSON), `retries` N, `dateStarted` / `dateDone` / `leaseUntil` / `retryAt` N (epoch ms),
 * `expiresAt` N (epoch seconds, the table's TTL attribute); workflow fields `parentId` / `rootId` /
 * `groupId` S, `children` L of S; `meta` S (JSON, custom states); `terminateRequested` BOOL;
 * monitoring: `argsRepr` / `kwargsRepr` S,
 * `sentAt` N, `runtimeMs` N, `workerId` S, `retryHistory` S (JSON). Listings are in the listing
 * table (see `task-listing-item.ts`), not here.
 * In the `celery` layout (`celeryCompat`), the key, `result` and `timestamp` are Celery's: see `celery-result-item.ts`.
 */
export function encodeResultItem(record: TaskRecord, layout: RecordLayout = 'celeriac'): Item {
  const item: Item = {
    id: { S: recordKeyOf(record.id, layout) },
    v: { N: String(RESULT_ITEM_VERSION) },
    state: { S: record.state },
    retries: { N: String(record.retries) },
    expiresAt: { N: String(record.expiresAt) },
  };
  if (record.task !== undefined) item.task = { S: record.task };
  if (record.queue !== undefined) item.queue = { S: record.queue };
  if (layout === 'celery') Object.assign(item, celeryAttributes(record));
  else if (record.result !== undefined) item.result = { S: JSON.stringify(record.result) };
  if (record.error !== undefined) item.error = { S: JSON.stringify(record.error) };
  for (const key of ['dateStarted', 'dateDone', 'leaseUntil', 'retryAt', 'sentAt'] as const) {
    const date = record[key];
    if (date !== undefined) item[key] = { N: String(date.getTime()) };
  }
  for (const key of ['parentId', 'rootId', 'groupId'] as const) {
    const value = record[key];
    if (value !== undefined) item[key] = { S: value };
  }
  if (record.meta !== undefined) item.meta = { S: JSON.stringify(record.meta) };
  if (record.children?.length) item.children = { L: record.children.map((child) => ({ S: child })) };
  if (record.terminateRequested) item.terminateRequested = { BOOL: true };
  if (record.argsRepr !== undefined) item.argsRepr = { S: record.argsRepr };
  if (record.kwargsRepr !== undefined) item.kwargsRepr = { S: record.kwargsRepr };
  if (record.runtimeMs !== undefined) item.runtimeMs = { N: String(record.runtimeMs) };
  if (record.workerId !== undefined) item.workerId = { S: record.workerId };
  if (record.retryHistory?.length) {
    item.retryHistory = { S: JSON.stringify(record.retryHistory.map((r) => ({ ...r, at: r.at.getTime() }))) };
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
    else if (value.B !== undefined) size += value.B.byteLength;
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
  const id = item.id?.S === undefined ? undefined : taskIdOfKey(item.id.S);
  const state = item.state?.S;
  // Written by a Celery worker (a remote task): Celery's three attributes only.
  if (id && item.state === undefined && item.result?.B !== undefined) return celeryRecord(id, item);
  if (!id || !state || !((Object.values(TaskState) as string[]).includes(state) || CUSTOM_STATE.test(state))) {
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
    ...(item.result?.B !== undefined ? celeryResult(id, item.result.B) : {}),
    ...(item.error?.S !== undefined ? { error: parseJson<StoredError>(id, 'error', item.error.S) } : {}),
    retries: Number(item.retries?.N ?? 0),
    ...dateField(item, 'dateStarted'),
    ...dateField(item, 'dateDone'),
    ...dateField(item, 'leaseUntil'),
    ...dateField(item, 'retryAt'),
    ...dateField(item, 'sentAt'),
    ...(item.argsRepr?.S !== undefined ? { argsRepr: item.argsRepr.S } : {}),
    ...(item.kwargsRepr?.S !== undefined ? { kwargsRepr: item.kwargsRepr.S } : {}),
    ...(item.runtimeMs?.N !== undefined ? { runtimeMs: Number(item.runtimeMs.N) } : {}),
    ...(item.workerId?.S !== undefined ? { workerId: item.workerId.S } : {}),
    ...(item.retryHistory?.S !== undefined ? { retryHistory: decodeRetryHistory(id, item.retryHistory.S) } : {}),
    expiresAt: Number(item.expiresAt?.N ?? 0),
    ...(item.meta?.S !== undefined ? { meta: parseJson<JsonValue>(id, 'meta', item.meta.S) } : {}),
    ...(item.parentId?.S !== undefined ? { parentId: item.parentId.S } : {}),
    ...(item.rootId?.S !== undefined ? { rootId: item.rootId.S } : {}),
    ...(item.groupId?.S !== undefined ? { groupId: item.groupId.S } : {}),
    ...(item.children?.L ? { children: item.children.L.map((child) => child.S ?? '') } : {}),
    ...(item.terminateRequested?.BOOL ? { terminateRequested: true } : {}),
  };
}

/** The retry timeline of an item, read alone (the claim reads it from the item it wrote). */
export function decodeRetryHistoryOf(item: Item | undefined): RetryEntry[] | undefined {
  const text = item?.retryHistory?.S;
  return text === undefined ? undefined : decodeRetryHistory(item?.id?.S ?? '?', text);
}

/**
 * True for an item that holds only its key. DynamoDB never shows one for a celeriac record, but moto
 * creates an item from an `UpdateItem` by putting the bare key first and then applying the update,
 * so a concurrent read can see it: it is a record being created, not a record.
 */
export function isBareKey(item: Item): boolean {
  return Object.keys(item).length === 1 && item.id !== undefined;
}

function celeryRecord(id: string, item: Item): TaskRecord {
  try {
    return decodeCeleryItem(id, item);
  } catch (cause) {
    throw new ResultRecordError(`Item ${JSON.stringify(item.id?.S)} is a Celery result whose meta is not JSON`, { cause });
  }
}

function celeryResult(id: string, value: Uint8Array): { result?: JsonValue } {
  let result: JsonValue | undefined;
  try {
    result = resultOfCeleryAttribute(value);
  } catch (cause) {
    throw new ResultRecordError(`Task record ${id} has a Celery result that is not JSON`, { cause });
  }
  return result === undefined ? {} : { result };
}

function decodeRetryHistory(id: string, text: string): RetryEntry[] {
  return parseJson<{ at: number; countdownSeconds: number; error: string }[]>(id, 'retryHistory', text).map((r) => ({ ...r, at: new Date(r.at) }));
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
