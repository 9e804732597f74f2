import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { JsonValue } from '../core/json.js';
import type {
  ChordJoin,
  ChordRecord,
  IdempotencyOutcome,
  IdempotencyRequest,
  RateSlot,
  RateSlotRequest,
  RevokeOutcome,
  RevokeRequest,
} from '../core/ports/result-backend.js';
import { isReadyState, TaskState } from '../core/states.js';
import { celeryAttributes, recordKey, type RecordLayout } from './celery-result-item.js';
import { RESULT_ITEM_VERSION } from './result-item.js';

/**
 * The coordination items celeriac keeps beside task records in the results table, each one item
 * changed by single conditional writes (atomic on DynamoDB):
 * - `chord#<callback id>`: `members` L, `callback` S (JSON), `joined` SS (member ids: a set, so a
 *   member joining twice counts once), `decided` S (set once, by a condition);
 * - `rate#<task>`: `tat` N, the next free start of a global rate limit (epoch ms);
 * - `idem#<task>#<key>`: `taskId` S, `windowEndsAt` N.
 * All carry `expiresAt` (the table's TTL).
 */
export class DynamoDbCoordination {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly layout: RecordLayout = 'celeriac',
  ) {}

  /** The Celery attributes a task record's update also sets in the `celery` layout (none in celeriac's). */
  private get celery(): { expression: string; names: Record<string, string> } {
    return this.layout === 'celery'
      ? { expression: ', #celeryResult = :celeryResult, #celeryTimestamp = :celeryTimestamp', names: { '#celeryResult': 'result', '#celeryTimestamp': 'timestamp' } }
      : { expression: '', names: {} };
  }

  private celeryValues(record: Parameters<typeof celeryAttributes>[0], now?: Date): Record<string, AttributeValue> {
    if (this.layout !== 'celery') return {};
    const attributes = celeryAttributes(record, now);
    return { ':celeryResult': attributes.result, ':celeryTimestamp': attributes.timestamp };
  }

  /** Sets a custom state on a record that is not final. */
  async updateState(id: string, state: string, meta: JsonValue): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(id, this.layout),
          UpdateExpression: `SET #state = :state, meta = :meta${this.celery.expression}`,
          ConditionExpression: 'attribute_exists(id) AND NOT #state IN (:success, :failure, :revoked)',
          ExpressionAttributeNames: { '#state': 'state', ...this.celery.names },
          ExpressionAttributeValues: {
            ':state': { S: state },
            ':meta': { S: JSON.stringify(meta) },
            ...FINAL,
            ...this.celeryValues({ id, state, result: meta }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Revokes in one conditional write when the task is not running; else flags a running one for termination. */
  async revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    const now = String(request.now.getTime());
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recordKey(request.id, this.layout),
          UpdateExpression:
            'SET #state = :revoked, #error = :error, dateDone = :now, expiresAt = :expires, v = :v, retries = if_not_exists(retries, :zero)' +
            this.celery.expression,
          // The claim's condition: the task may be taken over, so nobody is running it.
          ConditionExpression:
            'attribute_not_exists(id) OR #state IN (:pending, :retry) OR (NOT #state IN (:success, :failure, :revoked) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now))',
          ExpressionAttributeNames: { '#state': 'state', '#error': 'error', ...this.celery.names },
          ExpressionAttributeValues: {
            ...FINAL,
            ...this.celeryValues(
              { id: request.id, state: TaskState.REVOKED, error: { type: 'TaskRevokedError', code: 'TASK_REVOKED', message: request.reason }, dateDone: request.now },
              request.now,
            ),
            ':pending': { S: TaskState.PENDING },
            ':retry': { S: TaskState.RETRY },
            ':error': { S: JSON.stringify({ type: 'TaskRevokedError', code: 'TASK_REVOKED', message: `Task ${request.id} was revoked: ${request.reason}` }) },
            ':now': { N: now },
            ':expires': { N: String(request.expiresAt) },
            ':v': { N: String(RESULT_ITEM_VERSION) },
            ':zero': { N: '0' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'revoked' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
          ConditionExpression: 'attribute_exists(id) AND NOT #state IN (:success, :failure, :revoked)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...FINAL, ':true': { BOOL: true } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'running', terminateRequested: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { status: 'finished', state: (error.Item?.state?.S as TaskState | undefined) ?? TaskState.REVOKED };
    }
  }

  async saveChord(chord: ChordRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          id: { S: chordKey(chord.id) },
          members: { L: chord.members.map((m) => ({ S: m })) },
          callback: { S: JSON.stringify(chord.callback) },
          expiresAt: { N: String(chord.expiresAt) },
        },
      }),
    );
  }

  /** Adds the member to the chord's `joined` set (ADD on a string set: idempotent) and reads the chord back in the same request. */
  async joinChord(chordId: string, memberId: string): Promise<ChordJoin | undefined> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: chordKey(chordId) } },
          UpdateExpression: 'ADD joined :member',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':member': { SS: [memberId] } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = output.Attributes ?? {};
      return { ...chordRecordOf(chordId, item), joined: item.joined?.SS?.length ?? 0 };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async decideChord(chordId: string, outcome: string): Promise<ChordRecord | undefined> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: chordKey(chordId) } },
          UpdateExpression: 'SET decided = :outcome',
          ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(decided)',
          ExpressionAttributeValues: { ':outcome': { S: outcome } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return chordRecordOf(chordId, output.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * The rule of `nextRateSlot` as conditional writes: while the schedule is ahead of now (and within
   * the horizon), take the slot at `tat` and move it one interval on; when it lags behind now (idle),
   * restart it at now. A lost race retries; a schedule beyond the horizon answers busy.
   */
  async reserveRateSlot(request: RateSlotRequest): Promise<RateSlot> {
    const key = { id: { S: `rate#${request.key}` } };
    const now = request.nowMs;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const output = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET tat = tat + :interval, expiresAt = :expires',
            ConditionExpression: 'tat >= :now AND tat <= :horizon',
            ExpressionAttributeValues: {
              ':interval': { N: String(request.intervalMs) },
              ':now': { N: String(now) },
              ':horizon': { N: String(now + request.horizonMs) },
              ':expires': { N: String(request.expiresAt) },
            },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { status: 'reserved', atMs: Number(output.Attributes?.tat?.N) - request.intervalMs };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const tat = error.Item?.tat?.N === undefined ? undefined : Number(error.Item.tat.N);
        if (tat !== undefined && tat > now + request.horizonMs) return { status: 'busy', busyUntilMs: tat };
        if (tat !== undefined && tat >= now) continue; // moved between our reads: take the next slot
      }
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET tat = :next, expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(tat) OR tat < :now',
            ExpressionAttributeValues: {
              ':next': { N: String(now + request.intervalMs) },
              ':now': { N: String(now) },
              ':expires': { N: String(request.expiresAt) },
            },
          }),
        );
        return { status: 'reserved', atMs: now };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return { status: 'busy', busyUntilMs: now + request.intervalMs };
  }

  async reserveIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyOutcome> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            id: { S: idempotencyKey(request.key) },
            taskId: { S: request.taskId },
            windowEndsAt: { N: String(request.windowEndsAt) },
            expiresAt: { N: String(request.windowEndsAt) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR windowEndsAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(request.now.getTime() / 1000)) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'reserved' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { status: 'taken', taskId: error.Item?.taskId?.S ?? '' };
    }
  }

  async releaseIdempotencyKey(key: string, taskId: string): Promise<void> {
    await this.client
      .send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { id: { S: idempotencyKey(key) } },
          ConditionExpression: 'taskId = :taskId',
          ExpressionAttributeValues: { ':taskId': { S: taskId } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}

const FINAL = {
  ':success': { S: TaskState.SUCCESS },
  ':failure': { S: TaskState.FAILURE },
  ':revoked': { S: TaskState.REVOKED },
} as const;

function chordKey(id: string): string {
  return `chord#${id}`;
}

function idempotencyKey(key: string): string {
  return `idem#${key}`;
}

/** A chord's join item, read back. */
function chordRecordOf(chordId: string, item: Record<string, AttributeValue>): ChordRecord {
  return {
    id: chordId,
    members: (item.members?.L ?? []).map((m) => m.S ?? ''),
    callback: JSON.parse(item.callback?.S ?? 'null') as JsonValue,
    expiresAt: Number(item.expiresAt?.N ?? 0),
  };
}
