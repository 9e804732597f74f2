import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BackendError, type CeleriacError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { ChordJoin, ChordRecord, Coordination, IdempotencyOutcome, IdempotencyRequest, RateSlot, RateSlotRequest } from '../core/ports/coordination.js';
import { translateAwsError } from './aws-error.js';
import { tableMissingHint } from './dynamodb-result-backend.js';

/** Options of {@link DynamoDbCoordination}. */
export interface DynamoDbCoordinationOptions {
  readonly client: DynamoDBClient;
  /** The results table (partition key `id` (S), TTL attribute `expiresAt`): the items live beside the task records. */
  readonly tableName: string;
}

/**
 * The `Coordination` port on DynamoDB: items celeriac keeps beside task records in the results table,
 * each one item changed by single conditional writes (atomic on DynamoDB):
 * - `chord#<callback id>`: `members` L, `callback` S (JSON), `joined` SS (member ids: a set, so a
 *   member joining twice counts once), `decided` S (set once, by a condition);
 * - `rate#<task>`: `tat` N, the next free start of a global rate limit (epoch ms);
 * - `idem#<task>#<key>`: `taskId` S, `windowEndsAt` N.
 * All carry `expiresAt` (the table's TTL). AWS errors come back as `CeleriacError`s (`BACKEND_FAILED`).
 * @example
 * const coordination = new DynamoDbCoordination({ client: new DynamoDBClient({}), tableName: app.resultsTableName });
 */
export class DynamoDbCoordination implements Coordination {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbCoordinationOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async saveChord(chord: ChordRecord): Promise<void> {
    await this.client
      .send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            id: { S: chordKey(chord.id) },
            members: { L: chord.members.map((m) => ({ S: m })) },
            callback: { S: JSON.stringify(chord.callback) },
            expiresAt: { N: String(chord.expiresAt) },
          },
        }),
      )
      .catch((error: unknown) => {
        throw this.translate(error, 'saveChord', chord.id);
      });
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
      throw this.translate(error, 'joinChord', chordId);
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
      throw this.translate(error, 'decideChord', chordId);
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
        if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'reserveRateSlot', request.key);
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
        if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'reserveRateSlot', request.key);
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
      if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'reserveIdempotencyKey', request.key);
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
        if (!(error instanceof ConditionalCheckFailedException)) throw this.translate(error, 'releaseIdempotencyKey', key);
      });
  }

  private translate(error: unknown, operation: string, key: string): CeleriacError {
    return translateAwsError(error, BackendError, {
      failure: `Coordination ${operation} of ${key} failed`,
      hints: { ResourceNotFoundException: tableMissingHint(this.tableName) },
    });
  }
}

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
