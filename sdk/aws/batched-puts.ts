import { BatchWriteItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { isAwsError } from './aws-error.js';

type Item = Record<string, AttributeValue>;

/** The key an item is written under (its `id`), to match puts with unprocessed items. */
const keyOf = (item: Item | undefined): string => item?.id?.S ?? JSON.stringify(item?.id);

/** Items one `BatchWriteItem` request takes at most (DynamoDB's limit). */
export const MAX_BATCH_WRITE_ITEMS = 25;

/** Options of {@link BatchedPuts}. */
export interface BatchedPutsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Milliseconds the first item of a request waits for others before the request is sent. The bound
   * on how long a fast task's record is held by the tasks around it.
   */
  readonly lingerMs: number;
  /**
   * Retries of the items DynamoDB leaves unprocessed (throttling), with exponential backoff from
   * `retryBaseMs`; what is still unprocessed then is rejected, for the caller to retry.
   * @default 3
   */
  readonly unprocessedRetries?: number;
  /** @default 50 */
  readonly retryBaseMs?: number;
}

/** A put waiting for its request: settled when its item is written or given up on. */
interface Waiting {
  readonly key: string;
  readonly item: Item;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Thrown for items still unprocessed after the retries: DynamoDB kept throttling them. */
export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItems';
  constructor(count: number, attempts: number) {
    super(`${count} item(s) of a BatchWriteItem were left unprocessed after ${attempts} attempts (the table is throttling writes)`);
  }
}

/**
 * Unconditional `PutItem`s of one table coalesced into `BatchWriteItem` requests: each {@link put}
 * joins the request being gathered, which is sent when it holds 25 items or `lingerMs` after its
 * first item (or at {@link flush}). A put resolves once its own item is written, so a caller sees the
 * same durability as a `PutItem`; a put of a key already waiting starts a new request (DynamoDB
 * refuses a request with the same key twice), so writes of one key stay in order. Items DynamoDB
 * leaves unprocessed are retried with backoff. A request DynamoDB refuses as invalid (one item too
 * large, say) is sent again as single `PutItem`s, so a bad item fails alone; any other failed
 * request rejects each of its puts with the request's error.
 * @example
 * const puts = new BatchedPuts({ client, tableName: 'shop-results', lingerMs: 10 });
 * await Promise.all(records.map((item) => puts.put(item))); // one BatchWriteItem for up to 25
 */
export class BatchedPuts {
  private gathering: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly retries: number;
  private readonly retryBaseMs: number;

  constructor(private readonly options: BatchedPutsOptions) {
    this.retries = options.unprocessedRetries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 50;
  }

  /** Items waiting for their request. */
  get waiting(): number {
    return this.gathering.length;
  }

  /**
   * Writes `item` in the next request, sent at once with `sendNow` (the caller knows no other item is
   * coming); resolves when it is written.
   * @throws the request's error, or {@link UnprocessedItemsError} when DynamoDB kept leaving it unprocessed.
   */
  put(item: Item, sendNow = false): Promise<void> {
    const key = keyOf(item);
    if (this.gathering.some((w) => w.key === key)) this.send();
    return new Promise<void>((resolve, reject) => {
      this.gathering.push({ key, item, resolve, reject });
      if (sendNow || this.gathering.length >= MAX_BATCH_WRITE_ITEMS) this.send();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.send(), this.options.lingerMs);
        this.timer.unref?.();
      }
    });
  }

  /** Sends what is gathered now, without waiting for the linger. */
  flush(): void {
    this.send();
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.gathering;
    this.gathering = [];
    if (batch.length > 0) void this.write(batch);
  }

  /** Writes one request's items, retrying the unprocessed ones; settles every put of it. */
  private async write(batch: readonly Waiting[]): Promise<void> {
    let left = batch;
    for (let attempt = 0; ; attempt++) {
      let unprocessed: WriteRequest[];
      try {
        const output = await this.options.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.options.tableName]: left.map((w) => ({ PutRequest: { Item: w.item } })) } }),
        );
        unprocessed = output.UnprocessedItems?.[this.options.tableName] ?? [];
      } catch (error) {
        if (isAwsError(error, 'ValidationException') && left.length > 1) return this.writeEach(left);
        for (const w of left) w.reject(error);
        return;
      }
      const again = new Set(unprocessed.map((request) => keyOf(request.PutRequest?.Item)));
      for (const w of left) if (!again.has(w.key)) w.resolve();
      left = left.filter((w) => again.has(w.key));
      if (left.length === 0) return;
      if (attempt >= this.retries) {
        const error = new UnprocessedItemsError(left.length, attempt + 1);
        for (const w of left) w.reject(error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryBaseMs * 2 ** attempt));
    }
  }

  /** Writes each item in a `PutItem` of its own. */
  private async writeEach(batch: readonly Waiting[]): Promise<void> {
    await Promise.all(
      batch.map(async (w) => {
        try {
          await this.options.client.send(new PutItemCommand({ TableName: this.options.tableName, Item: w.item }));
          w.resolve();
        } catch (error) {
          w.reject(error);
        }
      }),
    );
  }
}
