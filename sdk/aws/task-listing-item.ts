import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ResultRecordError } from '../core/errors.js';
import type { AnyState } from '../core/states.js';
import { TASK_LISTING_SHARD_ATTRIBUTE, TASK_LISTING_SORT_ATTRIBUTE, TASK_LISTING_TTL_ATTRIBUTE } from '../core/contract/task-listing.js';

/** Version of the listing item layout this library writes. */
export const LISTING_ITEM_VERSION = 1;

/** One task of a listing item: enough to filter by state and name; the rest is read from the record. */
export interface ListingEntry {
  readonly id: string;
  readonly state: AnyState;
  /** When the task was last active, epoch ms: its record's end, else start, else send time. */
  readonly time: number;
  /** The task name, when the writer knew it (a revoke from outside a worker does not). */
  readonly task?: string;
}

/** A listing item as read back: where it sits in the table and the tasks it lists, newest first. */
export interface ListingItem {
  readonly shard: string;
  /** The sort key: `<epoch ms, 13 digits>#<writer>#<sequence>`, the time being its newest entry's. */
  readonly at: string;
  readonly entries: readonly ListingEntry[];
}

/** The sort key of an item written at `ms` by `writer` (its `seq`-th item). Sorts by time as text. */
export function listingSortKey(ms: number, writer: string, seq: number): string {
  return `${timePrefix(ms)}#${writer}#${seq.toString(36)}`;
}

/** The 13-digit time prefix of sort keys: `at >= timePrefix(t)` selects items written at or after `t`. */
export function timePrefix(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(13, '0');
}

/**
 * Item layout (v1): `shard` S (key), `at` S (sort key), `v` N, `expiresAt` N (epoch seconds, the
 * table's TTL attribute) and `e` B: the entries as JSON `[[id, task | null, state, time], …]`,
 * newest first, `time` in ms before the sort key's, compressed with raw DEFLATE (ten tasks take
 * about 0.3 KB: one write unit).
 */
export function encodeListingItem(shard: string, at: string, entries: readonly ListingEntry[], expiresAt: number): Record<string, AttributeValue> {
  const base = Number(at.slice(0, 13));
  const rows = [...entries].sort((a, b) => b.time - a.time).map((entry) => [entry.id, entry.task ?? null, entry.state, base - entry.time]);
  return {
    [TASK_LISTING_SHARD_ATTRIBUTE]: { S: shard },
    [TASK_LISTING_SORT_ATTRIBUTE]: { S: at },
    v: { N: String(LISTING_ITEM_VERSION) },
    [TASK_LISTING_TTL_ATTRIBUTE]: { N: String(expiresAt) },
    e: { B: deflateRawSync(Buffer.from(JSON.stringify(rows))) },
  };
}

/**
 * Reads a listing item.
 * @throws {ResultRecordError} when the item is not a listing item this library reads.
 */
export function decodeListingItem(item: Record<string, AttributeValue>): ListingItem {
  const shard = item[TASK_LISTING_SHARD_ATTRIBUTE]?.S;
  const at = item[TASK_LISTING_SORT_ATTRIBUTE]?.S;
  const packed = item.e?.B;
  const v = Number(item.v?.N ?? LISTING_ITEM_VERSION);
  if (!shard || !at || !packed) throw new ResultRecordError(`Listing item ${JSON.stringify(at)} lacks its shard, sort key or entries`);
  if (v > LISTING_ITEM_VERSION)
    throw new ResultRecordError(`Listing item ${at} has layout v${v}, newer than this library reads (v${LISTING_ITEM_VERSION}): upgrade celeriac.`);
  let rows: unknown;
  try {
    rows = JSON.parse(inflateRawSync(packed).toString('utf8'));
  } catch (cause) {
    throw new ResultRecordError(`Listing item ${at} has entries that are not compressed JSON`, { cause });
  }
  if (!Array.isArray(rows)) throw new ResultRecordError(`Listing item ${at} has entries that are not a list`);
  const base = Number(at.slice(0, 13));
  const entries: ListingEntry[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== 'string' || typeof row[2] !== 'string') continue;
    const time = base - (typeof row[3] === 'number' ? row[3] : 0);
    entries.push({ id: row[0], state: row[2] as AnyState, time, ...(typeof row[1] === 'string' ? { task: row[1] } : {}) });
  }
  return { shard, at, entries };
}
