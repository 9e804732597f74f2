import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes, randomInt } from 'node:crypto';
import { BackendError } from '../core/errors.js';
import { isReadyState } from '../core/states.js';
import { TASK_LISTING_SHARDS } from '../core/contract/task-listing.js';
import { translateAwsError } from './aws-error.js';
import { encodeListingItem, listingSortKey, type ListingEntry } from './task-listing-item.js';

/** Options of {@link DynamoDbTaskListing}. */
export interface DynamoDbTaskListingOptions {
  readonly client: DynamoDBClient;
  /** The app's listing table (`App.listingTableName`). */
  readonly tableName: string;
  /**
   * Milliseconds a task held in an open batch may run before it is listed as running (STARTED or its
   * custom state) instead of waiting for the batch to end.
   * @default 1000
   */
  readonly runningAfterMs?: number;
}

/** A task held for the next listing item: its latest entry, and the entry last written. */
interface Held {
  entry: ListingEntry;
  expiresAt: number;
  /** When the task entered a state that is not final (a running task is listed once it is this old). */
  since: number;
  written?: ListingEntry;
}

/** Entries a listing item holds at most (about 17 KB compressed); a longer batch writes several items. */
const ENTRIES_PER_ITEM = 500;

/** Tasks held at most when writes keep failing (a missing table): the oldest go first. */
const MAX_HELD = 10_000;

/**
 * Writes the listing table: the tasks recorded while a batch is open are written together, as one
 * item, when it closes; a task still running after `runningAfterMs` is written as running at once.
 * Outside a batch each recorded task is written at once, in an item of its own. A failed batch write
 * keeps its tasks for the next. A listing reads items newest first and each item's tasks newest
 * first, so a batch's tasks are listed together.
 * @example
 * const listing = new DynamoDbTaskListing({ client, tableName: app.listingTableName });
 * const close = listing.openBatch();
 * await listing.record({ id, task: 'math.add', state: 'SUCCESS' }, expiresAt);
 * await close(); // one PutItem for the whole batch
 */
export class DynamoDbTaskListing {
  private readonly held = new Map<string, Held>();
  private readonly writer = randomBytes(4).toString('hex');
  private readonly runningAfterMs: number;
  private seq = 0;
  private open = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: DynamoDbTaskListingOptions) {
    this.runningAfterMs = options.runningAfterMs ?? 1000;
  }

  /**
   * Records a task's current state. Held while a batch is open, else written at once, alone.
   * @throws {BackendError} outside a batch, when the write fails.
   */
  async record(entry: ListingEntry, expiresAt: number): Promise<void> {
    // Outside a batch (a revoke, a record written by hand) each task is an item of its own.
    if (this.open === 0) return this.put([entry], expiresAt, entry.time);
    const now = Date.now();
    const held = this.held.get(entry.id);
    if (held) {
      if (isReadyState(held.entry.state) || isReadyState(entry.state)) held.since = now;
      held.entry = { ...entry, ...(entry.task === undefined && held.entry.task !== undefined ? { task: held.entry.task } : {}) };
      held.expiresAt = Math.max(held.expiresAt, expiresAt);
    } else {
      this.held.set(entry.id, { entry, expiresAt, since: now });
    }
    if (!isReadyState(entry.state)) this.arm();
  }

  /**
   * Records a new state of a task that is already listed (a custom state set while it runs): held
   * with its entry in an open batch, where a task not held is one left out of listings; written at
   * once outside a batch.
   * @throws {BackendError} outside a batch, when the write fails.
   */
  async update(entry: ListingEntry, expiresAt: number): Promise<void> {
    if (this.open > 0 && !this.held.has(entry.id)) return;
    await this.record(entry, expiresAt);
  }

  /**
   * Opens a batch: what is recorded until the returned function is called is written then, in one
   * item (or when a task has run for `runningAfterMs`). Batches may overlap; each close writes the
   * finished tasks, the last one everything.
   * @throws {BackendError} from the returned function, when the write fails (the tasks stay held).
   */
  openBatch(): () => Promise<void> {
    this.open += 1;
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      this.open -= 1;
      await this.write(this.open === 0 ? 'all' : 'due');
    };
  }

  /** Writes every held task not yet written as it is now. */
  flush(): Promise<void> {
    return this.write('all');
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write('due')
        .catch(() => undefined)
        .finally(() => {
          if ([...this.held.values()].some((h) => !isReadyState(h.entry.state) && h.written !== h.entry)) this.arm();
        });
    }, this.runningAfterMs);
    this.timer.unref?.();
  }

  /** Writes held tasks one at a time: `all` of them, or the `due` ones (finished, or running long enough). */
  private write(mode: 'all' | 'due'): Promise<void> {
    const run = this.chain.then(() => this.writeNow(mode));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeNow(mode: 'all' | 'due'): Promise<void> {
    const now = Date.now();
    const picked = [...this.held.values()]
      .filter((h) => h.written !== h.entry && (mode === 'all' || isReadyState(h.entry.state) || now - h.since >= this.runningAfterMs))
      .map((h) => [h, h.entry] as const);
    try {
      for (let i = 0; i < picked.length; i += ENTRIES_PER_ITEM) {
        const chunk = picked.slice(i, i + ENTRIES_PER_ITEM);
        const entries = chunk.map(([, entry]) => entry);
        await this.put(entries, Math.max(...chunk.map(([h]) => h.expiresAt)), Math.max(...entries.map((entry) => entry.time)));
        for (const [h, entry] of chunk) h.written = entry;
      }
    } catch (error) {
      for (const id of [...this.held.keys()].slice(0, Math.max(0, this.held.size - MAX_HELD))) this.held.delete(id);
      throw error;
    } finally {
      for (const [id, h] of this.held) {
        if (h.written === h.entry && (mode === 'all' || isReadyState(h.entry.state))) this.held.delete(id);
      }
      if (this.held.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    }
  }

  /** Writes one item, sorted at `time` (its newest entry's). */
  private async put(entries: readonly ListingEntry[], expiresAt: number, time: number): Promise<void> {
    const shard = `s${randomInt(TASK_LISTING_SHARDS)}`;
    const item = encodeListingItem(shard, listingSortKey(time, this.writer, this.seq++), entries, expiresAt);
    try {
      await this.options.client.send(new PutItemCommand({ TableName: this.options.tableName, Item: item }));
    } catch (error) {
      throw translateAwsError(error, BackendError, {
        failure: `Writing the task listing (${entries.length} task${entries.length === 1 ? '' : 's'}) failed`,
        hints: {
          ResourceNotFoundException: `Table "${this.options.tableName}" does not exist: deploy the stack (cdk deploy) or run \`celeriac dev\` to create it locally.`,
        },
      });
    }
  }
}
