import { BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendError, OptionsError } from '../core/errors.js';
import type { TaskRecord } from '../core/ports/result-backend.js';
import { matchesName, type TaskIndex, type TaskPage, type TaskQuery, type TaskSummary } from '../core/ports/inspection.js';
import { translateAwsError } from './aws-error.js';
import { recordKey, taskIdOfKey } from './celery-result-item.js';
import { decodeResultItem, type Item } from './result-item.js';
import { TASK_LISTING_SHARD_ATTRIBUTE, TASK_LISTING_SORT_ATTRIBUTE, taskListingShards } from '../core/contract/task-listing.js';
import { decodeListingItem, timePrefix, type ListingEntry } from './task-listing-item.js';

/** Options of {@link DynamoDbTaskIndex}. */
export interface DynamoDbTaskIndexOptions {
  readonly client: DynamoDBClient;
  /** The results table: the listed tasks' records are read from it. */
  readonly tableName: string;
  /** The listing table (`App.listingTableName`). */
  readonly listingTableName: string;
  /**
   * How the ids of the app's schedule runs begin (`<group>.`), for `periodic: false`.
   * @default - `periodic: false` leaves out every id of the form `<prefix>@<time>`
   */
  readonly scheduleRunPrefix?: string;
  /**
   * The table holds records in the Celery-compatible layout (see `DynamoDbResultBackendOptions.celeryCompat`).
   * @default false
   */
  readonly celeryCompat?: boolean;
  /**
   * Listing items read at most for one page (each lists the tasks of one worker batch). A search that
   * matches few tasks returns fewer than `limit` with a `next` cursor where it stopped.
   * @default 400
   */
  readonly maxItemsPerPage?: number;
}

/** Where a page ended: the entry `i` of the listing item `at`. */
interface Cursor {
  readonly at: string;
  readonly i: number;
}

/** An entry, where it sits in the listing. */
interface Row {
  readonly at: string;
  readonly i: number;
  readonly entry: ListingEntry;
}

/**
 * A record that changed after its listing entry was written, at most this long ago, is shown at that
 * entry: its newer entry may still be held by the batch that changed it (a batch lasts at most 15 minutes).
 */
const HELD_ENTRY_GRACE_MS = 15 * 60_000;

/**
 * Lists tasks from the listing table, most recently active first (a task's time is its end, else
 * its start): one `Query` per shard (newest first), merged by time; the newest entry of each task counts. The page's tasks are then read from the results table
 * (`BatchGetItem`), so a page shows each task as its record is now; an entry its record has moved
 * on from is skipped (the task is listed again, newer). A text filter searches those records.
 */
export class DynamoDbTaskIndex implements TaskIndex {
  constructor(private readonly options: DynamoDbTaskIndexOptions) {}

  async list(query: TaskQuery): Promise<TaskPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new OptionsError(`limit must be an integer 1–200, received ${limit}`);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const range = keyRange(query, cursor);
    if (!range) return { tasks: [] };
    const perQuery = Math.min(25, Math.ceil((limit + 1) / 4));
    const shards = taskListingShards().map((shard) => new ShardReader((start) => this.queryShard(shard, range, perQuery, start)));
    const seen = new Set<string>();
    const kept: TaskRecord[] = [];
    const keptAt: Cursor[] = [];
    let candidates: Row[] = [];
    let itemsRead = 0;
    let end: Cursor | undefined;
    let exhausted = false;
    const budget = this.options.maxItemsPerPage ?? 400;
    const settle = async () => {
      for (const [row, record] of await this.verify(candidates, query)) {
        kept.push(record);
        keptAt.push({ at: row.at, i: row.i });
      }
      candidates = [];
    };
    for (;;) {
      const heads = await Promise.all(shards.map((shard) => shard.head()));
      let best = -1;
      for (const [n, head] of heads.entries()) if (head && (best < 0 || head.at > heads[best]!.at)) best = n;
      if (best < 0) {
        exhausted = true;
        break;
      }
      const item = shards[best]!.shift()!;
      itemsRead += 1;
      for (const [i, entry] of item.entries.entries()) {
        if (cursor && item.at === cursor.at && i <= cursor.i) continue;
        if (seen.has(entry.id)) continue;
        seen.add(entry.id);
        if (this.entryMatches(entry, query)) candidates.push({ at: item.at, i, entry });
      }
      end = { at: item.at, i: item.entries.length - 1 };
      if (kept.length + candidates.length > limit) await settle();
      if (kept.length > limit || itemsRead >= budget) break;
    }
    await settle();
    const page = kept.slice(0, limit);
    const next = kept.length > limit ? keptAt[limit - 1] : !exhausted ? end : undefined;
    return { tasks: page.map(summary), ...(next ? { next: encodeCursor(next) } : {}) };
  }

  /** The filters an entry can answer alone: state, id (periodic runs) and name when the entry has one. */
  private entryMatches(entry: ListingEntry, query: TaskQuery): boolean {
    if (query.since && entry.time < query.since.getTime()) return false;
    if (query.until && entry.time >= query.until.getTime()) return false;
    if (query.states?.length && !query.states.includes(entry.state)) return false;
    if (query.periodic === false && this.isScheduleRun(entry.id)) return false;
    if (query.name && entry.task !== undefined && !matchesName(query.name, entry.task)) return false;
    return true;
  }

  private isScheduleRun(id: string): boolean {
    if (!id.includes('@')) return false;
    return this.options.scheduleRunPrefix ? id.startsWith(this.options.scheduleRunPrefix) : true;
  }

  /**
   * The candidates whose records still match: the record exists, is in the entry's state (or changed
   * after the entry within {@link HELD_ENTRY_GRACE_MS}), and passes the query's filters.
   */
  private async verify(rows: readonly Row[], query: TaskQuery): Promise<[Row, TaskRecord][]> {
    const items = await this.readRecords(rows.map((row) => row.entry.id));
    const needle = query.text?.toLowerCase();
    const kept: [Row, TaskRecord][] = [];
    for (const row of rows) {
      const item = items.get(row.entry.id);
      if (!item) continue;
      let record: TaskRecord;
      try {
        record = decodeResultItem(item);
      } catch {
        continue;
      }
      if (record.state !== row.entry.state && !changedAfter(record, row.entry.time)) continue;
      if (query.states?.length && !query.states.includes(record.state)) continue;
      if (query.name && !matchesName(query.name, record.task ?? row.entry.task)) continue;
      if (needle && !haystack(item, record.id).includes(needle)) continue;
      kept.push([row, record]);
    }
    return kept;
  }

  /** Reads task records by id, 100 a request. */
  private async readRecords(ids: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const table = this.options.tableName;
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, AttributeValue>[] | undefined = ids
        .slice(i, i + 100)
        .map((id) => recordKey(id, this.options.celeryCompat ? 'celery' : 'celeriac'));
      while (keys?.length) {
        const output = await this.send('read', () => this.options.client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys! } } })));
        for (const item of output.Responses?.[table] ?? []) found.set(taskIdOfKey(item.id!.S!), item);
        keys = output.UnprocessedKeys?.[table]?.Keys;
      }
    }
    return found;
  }

  private async queryShard(shard: string, range: KeyRange, limit: number, start: Record<string, AttributeValue> | undefined) {
    const values: Record<string, AttributeValue> = { ':shard': { S: shard }, ':upper': { S: range.upper } };
    let condition = '#shard = :shard AND #at <= :upper';
    if (range.lower !== undefined) {
      values[':lower'] = { S: range.lower };
      condition = '#shard = :shard AND #at BETWEEN :lower AND :upper';
    }
    return this.send('list', () =>
      this.options.client.send(
        new QueryCommand({
          TableName: this.options.listingTableName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: { '#shard': TASK_LISTING_SHARD_ATTRIBUTE, '#at': TASK_LISTING_SORT_ATTRIBUTE },
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const hint = `Table "${this.options.listingTableName}" or "${this.options.tableName}" is missing: deploy the stack (cdk deploy) or run \`celeriac dev\`.`;
      throw translateAwsError(error, BackendError, {
        failure: `Task ${operation} failed`,
        hints: { ResourceNotFoundException: hint },
      });
    }
  }
}

/** One shard's items, newest first, read a page at a time. */
class ShardReader {
  private readonly items: { at: string; entries: readonly ListingEntry[] }[] = [];
  private start: Record<string, AttributeValue> | undefined;
  private done = false;

  constructor(
    private readonly query: (
      start: Record<string, AttributeValue> | undefined,
    ) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Record<string, AttributeValue> }>,
  ) {}

  /** The newest item not taken yet, reading the next page when needed. */
  async head(): Promise<{ at: string; entries: readonly ListingEntry[] } | undefined> {
    while (this.items.length === 0 && !this.done) {
      const output = await this.query(this.start);
      for (const raw of output.Items ?? []) {
        try {
          this.items.push(decodeListingItem(raw));
        } catch {
          // An item this library cannot read (a newer layout, a hand edit) lists nothing.
        }
      }
      this.start = output.LastEvaluatedKey;
      if (!this.start) this.done = true;
    }
    return this.items[0];
  }

  shift(): { at: string; entries: readonly ListingEntry[] } | undefined {
    return this.items.shift();
  }
}

/** Sort key bounds, both inclusive. */
interface KeyRange {
  readonly upper: string;
  readonly lower?: string;
}

/**
 * The sort key range of a query: up to the cursor, items whose newest entry is at or after `since`,
 * and, for `until`, items up to a batch's length after it (an item's older entries may be before it);
 * undefined when empty.
 */
function keyRange(query: TaskQuery, cursor: Cursor | undefined): KeyRange | undefined {
  let upper = '9999999999999~';
  if (query.until) upper = `${timePrefix(query.until.getTime() + HELD_ENTRY_GRACE_MS)}~`;
  if (cursor && cursor.at < upper) upper = cursor.at;
  const lower = query.since ? timePrefix(query.since.getTime()) : undefined;
  if (lower !== undefined && lower > upper) return undefined;
  return { upper, ...(lower !== undefined ? { lower } : {}) };
}

/** Whether the record changed after its entry's time, recently enough that its newer entry may still be held. */
function changedAfter(record: TaskRecord, entryTime: number): boolean {
  const changed = (record.dateDone ?? record.dateStarted)?.getTime();
  return changed !== undefined && changed > entryTime && Date.now() - changed <= HELD_ENTRY_GRACE_MS;
}

function haystack(item: Item, id: string): string {
  return [item.argsRepr?.S, item.kwargsRepr?.S, item.result?.S ?? (item.result?.B ? new TextDecoder().decode(item.result.B) : undefined), item.error?.S, id]
    .join('\n')
    .toLowerCase();
}

function summary(record: TaskRecord): TaskSummary {
  const { id, state, task, queue, retries, sentAt, dateStarted, dateDone, runtimeMs, workerId } = record;
  return Object.fromEntries(
    Object.entries({ id, state, task, queue, retries, sentAt, dateStarted, dateDone, runtimeMs, workerId }).filter(([, v]) => v !== undefined),
  ) as unknown as TaskSummary;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (typeof cursor.at === 'string' && typeof cursor.i === 'number') return cursor;
  } catch {
    // fall through
  }
  throw new OptionsError(`cursor ${JSON.stringify(text)} is not one this API returned: pass the "next" of the previous page.`);
}
