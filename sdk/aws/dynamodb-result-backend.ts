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
import { BackendError, CeleriacError, ResultTooLargeError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type {
  ChordJoin,
  ChordRecord,
  ClaimOutcome,
  ClaimRequest,
  IdempotencyOutcome,
  IdempotencyRequest,
  RateSlot,
  RateSlotRequest,
  ResultBackend,
  RevokeOutcome,
  RevokeRequest,
  TaskRecord,
} from '../core/ports/result-backend.js';
import { TaskState } from '../core/states.js';
import { DynamoDbCoordination } from './dynamodb-coordination.js';
import { celeryAttributes, recordKey, type RecordLayout } from './celery-result-item.js';
import { decodeResultItem, decodeRetryHistoryOf, encodeResultItem, isBareKey, itemSizeBytes, MAX_ITEM_BYTES, RESULT_ITEM_VERSION } from './result-item.js';
import { TASK_INDEX_SHARD_ATTRIBUTE, TASK_INDEX_TIME_ATTRIBUTE, taskIndexShard } from '../core/contract/task-index.js';

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
}

/**
 * Task records in DynamoDB, one item per task. A claim is one conditional write; a state
 * change is one `PutItem`; reads are strongly consistent so `get()` sees a result at once.
 */
export class DynamoDbResultBackend implements ResultBackend {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly coordination: DynamoDbCoordination;
  private readonly layout: RecordLayout;

  constructor(options: DynamoDbResultBackendOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.layout = options.celeryCompat ? 'celery' : 'celeriac';
    this.coordination = new DynamoDbCoordination(options.client, options.tableName, this.layout);
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
          ConditionExpression:
            'attribute_not_exists(id) OR #state IN (:pending, :retry) OR (NOT #state IN (:success, :failure, :revoked) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now))',
          ExpressionAttributeNames: { '#state': 'state', '#task': 'task', '#queue': 'queue', ...monitoring.names },
          ExpressionAttributeValues: {
            ':started': { S: TaskState.STARTED },
            ':pending': { S: TaskState.PENDING },
            ':retry': { S: TaskState.RETRY },
            ':success': { S: TaskState.SUCCESS },
            ':failure': { S: TaskState.FAILURE },
            ':revoked': { S: TaskState.REVOKED },
            ':task': { S: request.task },
            ':queue': { S: request.queue },
            ':now': { N: String(request.now.getTime()) },
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
   * Writes a record.
   * @throws {ResultTooLargeError} before writing, when a record with a result is over DynamoDB's item limit.
   */
  async save(record: TaskRecord): Promise<void> {
    const item = encodeResultItem(record, this.layout);
    const size = itemSizeBytes(item);
    if (size > MAX_ITEM_BYTES && record.result !== undefined) throw new ResultTooLargeError(record.id, size, MAX_ITEM_BYTES);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
    } catch (error) {
      throw this.translate(error, 'save', record.id);
    }
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

  updateState(id: string, state: string, meta: JsonValue): Promise<boolean> {
    return this.guard('updateState', id, () => this.coordination.updateState(id, state, meta));
  }

  revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    return this.guard('revoke', request.id, () => this.coordination.revoke(request));
  }

  saveChord(chord: ChordRecord): Promise<void> {
    return this.guard('saveChord', chord.id, () => this.coordination.saveChord(chord));
  }

  joinChord(chordId: string, memberId: string): Promise<ChordJoin | undefined> {
    return this.guard('joinChord', chordId, () => this.coordination.joinChord(chordId, memberId));
  }

  decideChord(chordId: string, outcome: string): Promise<ChordRecord | undefined> {
    return this.guard('decideChord', chordId, () => this.coordination.decideChord(chordId, outcome));
  }

  reserveRateSlot(request: RateSlotRequest): Promise<RateSlot> {
    return this.guard('reserveRateSlot', request.key, () => this.coordination.reserveRateSlot(request));
  }

  reserveIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyOutcome> {
    return this.guard('reserveIdempotencyKey', request.key, () => this.coordination.reserveIdempotencyKey(request));
  }

  releaseIdempotencyKey(key: string, taskId: string): Promise<void> {
    return this.guard('releaseIdempotencyKey', key, () => this.coordination.releaseIdempotencyKey(key, taskId));
  }

  private async guard<T>(operation: string, id: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.translate(error, operation, id);
    }
  }

  private translate(error: unknown, operation: string, id: string): CeleriacError {
    if (error instanceof CeleriacError) return error;
    const name = (error as { name?: string }).name ?? 'Error';
    const hint =
      name === 'ResourceNotFoundException'
        ? ` Table "${this.tableName}" does not exist: deploy the stack (cdk deploy) or run \`npm run dev\` to create it locally.`
        : '';
    return new BackendError(`Result backend ${operation} of task ${id} failed: ${name}: ${(error as Error).message}.${hint}`, {
      cause: error,
    });
  }
}

/**
 * The claim's monitoring fields and task index keys (none for an unlisted task), as an UpdateExpression
 * tail. The index time is set only when absent, so a re-claim (a retry) updates the index entry in place.
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
  if (m.listed !== false) {
    sets.push('#idxShard = :idxShard', '#idxTime = if_not_exists(#idxTime, :idxTime)');
    Object.assign(names, { '#idxShard': TASK_INDEX_SHARD_ATTRIBUTE, '#idxTime': TASK_INDEX_TIME_ATTRIBUTE });
    Object.assign(values, { ':idxShard': { S: taskIndexShard(request.id) }, ':idxTime': { N: String((m.sentAt ?? request.now).getTime()) } });
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
