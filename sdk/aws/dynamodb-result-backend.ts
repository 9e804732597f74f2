import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { refusedClaim } from '../core/claim-rule.js';
import { BackendError, type CeleriacError, ResultTooLargeError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { ClaimOutcome, ClaimRequest, ResultBackend, RevokeOutcome, RevokeRequest, TaskRecord } from '../core/ports/result-backend.js';
import { isReadyState, TaskState } from '../core/states.js';
import { translateAwsError } from './aws-error.js';
import { celeryAttributes, recordKey, type RecordLayout } from './celery-result-item.js';
import { decodeResultItem, decodeRetryHistoryOf, encodeResultItem, isBareKey, itemSizeBytes, MAX_ITEM_BYTES, RESULT_ITEM_VERSION } from './result-item.js';
import { BatchedPuts } from './batched-puts.js';
import { DynamoDbTaskListing } from './dynamodb-task-listing.js';
import type { ListingEntry } from './task-listing-item.js';

/** The final states, as condition values. */
const FINAL = {
  ':success': { S: TaskState.SUCCESS },
  ':failure': { S: TaskState.FAILURE },
  ':revoked': { S: TaskState.REVOKED },
} as const;

/**
 * The claim rule (`sdk/core/claim-rule.ts`) as a condition: nobody holds the task, so it may be
 * claimed (the claim) or recorded REVOKED without stopping anyone (revoke). Needs `#state` and
 * {@link claimableValues}.
 */
const CLAIMABLE =
  'attribute_not_exists(id) OR #state IN (:pending, :retry) OR (NOT #state IN (:success, :failure, :revoked) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now))';

/** The values {@link CLAIMABLE} reads, at `now`. */
function claimableValues(now: Date): Record<string, AttributeValue> {
  return { ...FINAL, ':pending': { S: TaskState.PENDING }, ':retry': { S: TaskState.RETRY }, ':now': { N: String(now.getTime()) } };
}

/** A record that exists and is not final: a custom state or a terminate flag may be set on it. */
const NOT_FINAL = 'attribute_exists(id) AND NOT #state IN (:success, :failure, :revoked)';

/** Options of {@link DynamoDbResultBackend}. */
export interface DynamoDbResultBackendOptions {
  readonly client: DynamoDBClient;
  /** Table with partition key `id` (S) and TTL attribute `expiresAt`. */
  readonly tableName: string;
  /**
   * Write and read task records in the layout Celery's DynamoDB result backend also reads
   * (`b'celery-task-meta-<id>'` keys, Binary `result`, `timestamp`), with no extra write. A table
   * holds one layout: records written in the other are not found.
   * @default false
   */
  readonly celeryCompat?: boolean;
  /**
   * The app's listing table (`App.listingTableName`): tasks are listed there (the dashboard, `celeriac
   * inspect tasks`) as they start and end, one item per worker batch (see `DynamoDbTaskListing`).
   * @default - tasks are not listed
   */
  readonly listingTableName?: string;
  /**
   * Milliseconds a task of an open batch may run before it is listed as running.
   * @default 1000
   */
  readonly listRunningAfterMs?: number;
  /**
   * While a batch is open (the worker: one per queue batch), the records of finished tasks are written
   * together: a `BatchWriteItem` (up to 25 items) is sent once every message of the batch has saved
   * its record, or `batchWriteLingerMs` after its first record, whichever comes first. Each `save()`
   * still resolves only once its own record is written. `0` writes each record with its own
   * `PutItem`. Claims, custom states and revokes are conditional and never batched.
   * @default 10
   */
  readonly batchWriteLingerMs?: number;
}

/**
 * Task records in DynamoDB, one item per task. A claim is one conditional write; a state
 * change is one `PutItem`, or a share of a `BatchWriteItem` while a batch is open; reads are
 * strongly consistent so `get()` sees a result at once.
 */
export class DynamoDbResultBackend implements ResultBackend {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly layout: RecordLayout;
  private readonly listing: DynamoDbTaskListing | undefined;
  private readonly puts: BatchedPuts | undefined;
  private openBatches = 0;
  /** Messages in the open batches of known size, open batches of unknown size, and the records saved while batches are open. */
  private expected = 0;
  private unsized = 0;
  private savedInBatches = 0;

  constructor(options: DynamoDbResultBackendOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.layout = options.celeryCompat ? 'celery' : 'celeriac';
    this.listing = options.listingTableName
      ? new DynamoDbTaskListing({
          client: options.client,
          tableName: options.listingTableName,
          ...(options.listRunningAfterMs !== undefined ? { runningAfterMs: options.listRunningAfterMs } : {}),
        })
      : undefined;
    const lingerMs = options.batchWriteLingerMs ?? 10;
    this.puts = lingerMs > 0 ? new BatchedPuts({ client: options.client, tableName: options.tableName, lingerMs }) : undefined;
  }

  /**
   * Opens a batch: until it closes, finished tasks' records are written together (see
   * `batchWriteLingerMs`), and their listing is held and written in one item when it closes (see
   * `DynamoDbTaskListing.openBatch`). With the batch's `size`, the records are sent as soon as
   * every message of the open batches has saved one, without waiting out the linger (a batch of one
   * task is not delayed at all); a message that saves none (`ignoreResult`, a duplicate) only makes
   * the others wait the linger.
   */
  openBatch(size?: number): () => Promise<void> {
    this.openBatches += 1;
    const known = size !== undefined && Number.isInteger(size) && size > 0 ? size : undefined;
    if (known === undefined) this.unsized += 1;
    else this.expected += known;
    const closeListing = this.listing?.openBatch();
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      this.openBatches -= 1;
      if (known === undefined) this.unsized -= 1;
      else this.expected -= known;
      // Overlapping batches share the count: a closed batch saved at most `size` records.
      this.savedInBatches = this.openBatches === 0 ? 0 : Math.max(0, this.savedInBatches - (known ?? 0));
      if (this.openBatches === 0) this.puts?.flush();
      await closeListing?.();
    };
  }

  /** Lists a task in its new state (held while a batch is open). */
  private async list(entry: ListingEntry, expiresAt: number, listed: boolean | undefined = true): Promise<void> {
    if (this.listing && listed !== false) await this.listing.record(entry, expiresAt);
  }

  /**
   * Claims a task. A first delivery (no record yet: the common case) is one conditional `PutItem` of
   * the whole STARTED record. When a record exists, the refusing item comes back with the error: a
   * finished, revoked or leased task is refused from it; a PENDING or RETRY one, or one whose lease
   * lapsed, is re-claimed with a conditional `UpdateItem` that keeps its retry count, history and
   * index time. A redelivery (`firstDelivery: false`) goes straight to the `UpdateItem`, which
   * decides the same way: a retry costs no refused write.
   */
  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    if (request.firstDelivery === false) return this.reclaim(request);
    const record: TaskRecord = {
      id: request.id,
      state: TaskState.STARTED,
      task: request.task,
      queue: request.queue,
      retries: 0,
      dateStarted: request.now,
      leaseUntil: request.leaseUntil,
      expiresAt: request.expiresAt,
      ...request.monitoring,
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: encodeResultItem(record, this.layout),
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      await this.list(
        { id: request.id, task: request.task, state: TaskState.STARTED, time: request.now.getTime() },
        request.expiresAt,
        request.monitoring?.listed,
      );
      return { status: 'claimed', retries: 0 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'claim', request.id);
      const existing = error.Item && !isBareKey(error.Item) ? decodeResultItem(error.Item) : undefined;
      const refused = refusedClaim(existing, request);
      if (refused) return refused;
    }
    return this.reclaim(request);
  }

  /** Claims a task that has a record: one conditional `UpdateItem` (see {@link claim}). */
  private async reclaim(request: ClaimRequest): Promise<ClaimOutcome> {
    const monitoring = claimMonitoring(request, this.layout);
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(request.id, this.layout),
          UpdateExpression:
            'SET #state = :started, #task = :task, #queue = :queue, dateStarted = :now, leaseUntil = :lease, ' +
            'expiresAt = :expires, v = :v, retries = if_not_exists(retries, :zero)' +
            monitoring.expression,
          ConditionExpression: CLAIMABLE,
          ExpressionAttributeNames: { '#state': 'state', '#task': 'task', '#queue': 'queue', ...monitoring.names },
          ExpressionAttributeValues: {
            ...claimableValues(request.now),
            ':started': { S: TaskState.STARTED },
            ':task': { S: request.task },
            ':queue': { S: request.queue },
            ':lease': { N: String(request.leaseUntil.getTime()) },
            ':expires': { N: String(request.expiresAt) },
            ':v': { N: String(RESULT_ITEM_VERSION) },
            ':zero': { N: '0' },
            ...monitoring.values,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const history = decodeRetryHistoryOf(output.Attributes);
      await this.list(
        { id: request.id, task: request.task, state: TaskState.STARTED, time: request.now.getTime() },
        request.expiresAt,
        request.monitoring?.listed,
      );
      return { status: 'claimed', retries: Number(output.Attributes?.retries?.N ?? 0), ...(history?.length ? { retryHistory: history } : {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'claim', request.id);
      // The refusing item comes back with the exception; re-read only if an emulator omitted it.
      const existing = error.Item && !isBareKey(error.Item) ? decodeResultItem(error.Item) : await this.get(request.id);
      // Undefined only if the item changed between the write and the re-read: try again shortly.
      return refusedClaim(existing, request) ?? { status: 'running', leaseUntil: new Date(request.now.getTime() + 1000) };
    }
  }

  /**
   * Writes a record: a `PutItem`, or while a batch is open its share of a `BatchWriteItem`; resolves
   * once it is written either way.
   * @throws {ResultTooLargeError} before writing, when a record with a result is over DynamoDB's item limit.
   */
  async save(record: TaskRecord): Promise<void> {
    const item = encodeResultItem(record, this.layout);
    const size = itemSizeBytes(item);
    if (size > MAX_ITEM_BYTES && record.result !== undefined) throw new ResultTooLargeError(record.id, size, MAX_ITEM_BYTES);
    try {
      if (this.puts && this.openBatches > 0 && size <= MAX_ITEM_BYTES) {
        this.savedInBatches += 1;
        await this.puts.put(item, this.unsized === 0 && this.savedInBatches >= this.expected);
      } else await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
    } catch (error) {
      throw this.translate(error, 'save', record.id);
    }
    const time = (record.dateDone ?? record.dateStarted ?? record.sentAt)?.getTime() ?? Date.now();
    await this.list({ id: record.id, state: record.state, time, ...(record.task !== undefined ? { task: record.task } : {}) }, record.expiresAt, record.listed);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    try {
      const output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: recordKey(id, this.layout), ConsistentRead: true }));
      // An item holding only its key is a write still in progress: moto creates the item before it
      // applies an UpdateItem's expression, and a concurrent read can see it. Nothing is stored yet.
      if (!output.Item || Object.keys(output.Item).every((key) => key === 'id')) return undefined;
      return decodeResultItem(output.Item);
    } catch (error) {
      throw this.translate(error, 'get', id);
    }
  }

  async forget(id: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: recordKey(id, this.layout) }));
    } catch (error) {
      throw this.translate(error, 'forget', id);
    }
  }

  /** Sets a custom state on a record that is not final: one conditional `UpdateItem` that keeps the lease. */
  async updateState(id: string, state: string, meta: JsonValue): Promise<boolean> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(id, this.layout),
          UpdateExpression: `SET #state = :state, meta = :meta${this.celery.expression}`,
          ConditionExpression: NOT_FINAL,
          ExpressionAttributeNames: { '#state': 'state', ...this.celery.names },
          ExpressionAttributeValues: {
            ':state': { S: state },
            ':meta': { S: JSON.stringify(meta) },
            ...FINAL,
            ...this.celeryValues({ id, state, result: meta }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const task = output.Attributes?.task?.S;
      await this.listing?.update({ id, state, time: Date.now(), ...(task !== undefined ? { task } : {}) }, Number(output.Attributes?.expiresAt?.N ?? 0));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.translate(error, 'updateState', id);
    }
  }

  /**
   * Revokes in one conditional write when nobody runs the task (the claim's condition); else flags a
   * running one for termination, when asked to.
   */
  async revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(request.id, this.layout),
          UpdateExpression:
            'SET #state = :revoked, #error = :error, dateDone = :now, expiresAt = :expires, v = :v, retries = if_not_exists(retries, :zero)' +
            this.celery.expression,
          ConditionExpression: CLAIMABLE,
          ExpressionAttributeNames: { '#state': 'state', '#error': 'error', ...this.celery.names },
          ExpressionAttributeValues: {
            ...claimableValues(request.now),
            ...this.celeryValues(
              {
                id: request.id,
                state: TaskState.REVOKED,
                error: { type: 'TaskRevokedError', code: 'TASK_REVOKED', message: request.reason },
                dateDone: request.now,
              },
              request.now,
            ),
            ':error': { S: JSON.stringify({ type: 'TaskRevokedError', code: 'TASK_REVOKED', message: `Task ${request.id} was revoked: ${request.reason}` }) },
            ':expires': { N: String(request.expiresAt) },
            ':v': { N: String(RESULT_ITEM_VERSION) },
            ':zero': { N: '0' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      await this.list({ id: request.id, state: TaskState.REVOKED, time: request.now.getTime() }, request.expiresAt);
      return { status: 'revoked' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'revoke', request.id);
      const state = error.Item?.state?.S;
      if (state && isReadyState(state)) return { status: 'finished', state: state as TaskState };
    }
    if (!request.terminate) return { status: 'running', terminateRequested: false };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(request.id, this.layout),
          UpdateExpression: 'SET terminateRequested = :true',
          ConditionExpression: NOT_FINAL,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...FINAL, ':true': { BOOL: true } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'running', terminateRequested: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'revoke', request.id);
      return { status: 'finished', state: (error.Item?.state?.S as TaskState | undefined) ?? TaskState.REVOKED };
    }
  }

  /** The Celery attributes a task record's update also sets in the `celery` layout (none in celeriac's). */
  private get celery(): { expression: string; names: Record<string, string> } {
    return this.layout === 'celery'
      ? {
          expression: ', #celeryResult = :celeryResult, #celeryTimestamp = :celeryTimestamp',
          names: { '#celeryResult': 'result', '#celeryTimestamp': 'timestamp' },
        }
      : { expression: '', names: {} };
  }

  private celeryValues(record: Parameters<typeof celeryAttributes>[0], now?: Date): Record<string, AttributeValue> {
    if (this.layout !== 'celery') return {};
    const attributes = celeryAttributes(record, now);
    return { ':celeryResult': attributes.result, ':celeryTimestamp': attributes.timestamp };
  }

  private translate(error: unknown, operation: string, id: string): CeleriacError {
    return translateAwsError(error, BackendError, {
      failure: `Result backend ${operation} of task ${id} failed`,
      hints: { ResourceNotFoundException: tableMissingHint(this.tableName) },
    });
  }
}

/** What to do when the results table is missing. */
export function tableMissingHint(tableName: string): string {
  return `Table "${tableName}" does not exist: deploy the stack (cdk deploy) or run \`npm run dev\` to create it locally.`;
}

/**
 * The claim's monitoring fields, as an UpdateExpression tail.
 */
function claimMonitoring(
  request: ClaimRequest,
  layout: RecordLayout,
): { expression: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
  const m = request.monitoring ?? {};
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (layout === 'celery') {
    // What a Celery client reads: STARTED, in the same write.
    const celery = celeryAttributes({ id: request.id, state: TaskState.STARTED, ...(m.workerId ? { workerId: m.workerId } : {}) }, request.now);
    sets.push('#celeryResult = :celeryResult', '#celeryTimestamp = :celeryTimestamp');
    Object.assign(names, { '#celeryResult': 'result', '#celeryTimestamp': 'timestamp' });
    Object.assign(values, { ':celeryResult': celery.result, ':celeryTimestamp': celery.timestamp });
  }
  if (m.sentAt) {
    sets.push('sentAt = :sentAt');
    values[':sentAt'] = { N: String(m.sentAt.getTime()) };
  }
  for (const key of ['argsRepr', 'kwargsRepr', 'workerId'] as const) {
    const value = m[key];
    if (value !== undefined) {
      sets.push(`${key} = :${key}`);
      values[`:${key}`] = { S: value };
    }
  }
  return { expression: sets.length ? `, ${sets.join(', ')}` : '', names, values };
}
