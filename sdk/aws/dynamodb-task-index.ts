import { BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendError, OptionsError } from '../core/errors.js';
import type { TaskRecord } from '../core/ports/result-backend.js';
import { globPrefix, matchesName, type TaskIndex, type TaskPage, type TaskQuery, type TaskSummary } from '../core/ports/inspection.js';
import { translateAwsError } from './aws-error.js';
import { recordKey, taskIdOfKey } from './celery-result-item.js';
import { decodeResultItem, type Item } from './result-item.js';
import { TASK_INDEX_NAME, TASK_INDEX_SHARD_ATTRIBUTE, TASK_INDEX_TIME_ATTRIBUTE, taskIndexShards } from '../core/contract/task-index.js';

/** Options of {@link DynamoDbTaskIndex}. */
export interface DynamoDbTaskIndexOptions {
  readonly client: DynamoDBClient;
  /** The results table (with the `byTime` index). */
  readonly tableName: string;
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
}

interface Cursor {
  readonly t: number;
  readonly id: string;
}

/**
 * Lists task records through the results table's sparse, sharded, time-ordered index: one `Query`
 * per shard (newest first, state and name prefix as filter expressions), merged by time. A text
 * filter reads candidates in full with `BatchGetItem`.
 */
export class DynamoDbTaskIndex implements TaskIndex {
  constructor(private readonly options: DynamoDbTaskIndexOptions) {}

  async list(query: TaskQuery): Promise<TaskPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new OptionsError(`limit must be an integer 1–200, received ${limit}`);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const perShard = await Promise.all(taskIndexShards().map((shard) => this.shardTop(shard, query, limit, cursor)));
    const merged = perShard.flat().sort(newestFirst);
    const page = merged.slice(0, limit);
    const last = page[page.length - 1];
    const more = merged.length > limit || perShard.some((rows) => rows.length >= limit + 1);
    return {
      tasks: page.map(summary),
      ...(more && last ? { next: encodeCursor({ t: indexTime(last), id: last.id }) } : {}),
    };
  }

  /** The newest `limit + 1` matching records of one shard, older than the cursor. */
  private async shardTop(shard: string, query: TaskQuery, limit: number, cursor: Cursor | undefined): Promise<TaskRecord[]> {
    const found: TaskRecord[] = [];
    const names: Record<string, string> = { '#shard': TASK_INDEX_SHARD_ATTRIBUTE, '#time': TASK_INDEX_TIME_ATTRIBUTE };
    const values: Record<string, AttributeValue> = { ':shard': { S: shard } };
    const upper = Math.min(cursor?.t ?? Number.MAX_SAFE_INTEGER, query.until ? query.until.getTime() - 1 : Number.MAX_SAFE_INTEGER);
    values[':upper'] = { N: String(upper) };
    let keyCondition = '#shard = :shard AND #time <= :upper';
    if (query.since) {
      values[':lower'] = { N: String(query.since.getTime()) };
      keyCondition = '#shard = :shard AND #time BETWEEN :lower AND :upper';
    }
    const filters: string[] = [];
    if (query.states?.length) {
      names['#state'] = 'state';
      filters.push(`#state IN (${query.states.map((_, i) => `:st${i}`).join(', ')})`);
      for (const [i, state] of query.states.entries()) values[`:st${i}`] = { S: state };
    }
    if (query.periodic === false) {
      names['#id'] = 'id';
      values[':runMark'] = { S: '@' };
      if (this.options.scheduleRunPrefix) {
        values[':runPrefix'] = { S: this.options.scheduleRunPrefix };
        filters.push('NOT (begins_with(#id, :runPrefix) AND contains(#id, :runMark))');
      } else {
        filters.push('NOT contains(#id, :runMark)');
      }
    }
    const prefix = query.name ? globPrefix(query.name) : '';
    if (prefix) {
      names['#task'] = 'task';
      filters.push('begins_with(#task, :prefix)');
      values[':prefix'] = { S: prefix };
    }
    let start: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.send('list', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: TASK_INDEX_NAME,
            KeyConditionExpression: keyCondition,
            ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: Math.max(limit + 1, 25),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      let rows = (output.Items ?? []).map((item) => decodeResultItem(item));
      rows = rows.filter((row) => (!query.name || matchesName(query.name, row.task)) && (!cursor || isOlder(row, cursor)));
      if (query.text) rows = await this.withText(rows, query.text);
      found.push(...rows);
      start = output.LastEvaluatedKey;
    } while (start && found.length <= limit);
    return found.sort(newestFirst).slice(0, limit + 1);
  }

  /** Keeps the records whose arguments, result or error contain `text`, reading them in full. */
  private async withText(rows: TaskRecord[], text: string): Promise<TaskRecord[]> {
    const needle = text.toLowerCase();
    const kept: TaskRecord[] = [];
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      let keys: Record<string, AttributeValue>[] | undefined = chunk.map((row) => recordKey(row.id, this.options.celeryCompat ? 'celery' : 'celeriac'));
      const full = new Map<string, Item>();
      while (keys?.length) {
        const output = await this.send('text search', () =>
          this.options.client.send(new BatchGetItemCommand({ RequestItems: { [this.options.tableName]: { Keys: keys! } } })),
        );
        for (const item of output.Responses?.[this.options.tableName] ?? []) full.set(taskIdOfKey(item.id!.S!), item);
        keys = output.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
      for (const row of chunk) {
        const item = full.get(row.id);
        if (!item) continue;
        const haystack = [
          item.argsRepr?.S,
          item.kwargsRepr?.S,
          item.result?.S ?? (item.result?.B ? new TextDecoder().decode(item.result.B) : undefined),
          item.error?.S,
          row.id,
        ]
          .join('\n')
          .toLowerCase();
        if (haystack.includes(needle)) kept.push(row);
      }
    }
    return kept;
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const hint = `Table "${this.options.tableName}" or its index "${TASK_INDEX_NAME}" is missing: deploy the stack (cdk deploy) or run \`celeriac dev\`.`;
      throw translateAwsError(error, BackendError, {
        failure: `Task ${operation} failed`,
        hints: { ResourceNotFoundException: hint, ValidationException: hint },
      });
    }
  }
}

function indexTime(record: TaskRecord): number {
  return (record.sentAt ?? record.dateStarted ?? record.dateDone ?? new Date(0)).getTime();
}

function newestFirst(a: TaskRecord, b: TaskRecord): number {
  return indexTime(b) - indexTime(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function isOlder(record: TaskRecord, cursor: Cursor): boolean {
  const t = indexTime(record);
  return t < cursor.t || (t === cursor.t && record.id < cursor.id);
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
    if (typeof cursor.t === 'number' && typeof cursor.id === 'string') return cursor;
  } catch {
    // fall through
  }
  throw new OptionsError(`cursor ${JSON.stringify(text)} is not one this API returned: pass the "next" of the previous page.`);
}
