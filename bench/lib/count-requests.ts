import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** DynamoDB operations that write an item. */
const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** AWS requests one client made, by operation, and the capacity DynamoDB reported for them. */
export class RequestCounter {
  /** Requests by operation name (`SendMessageBatch`, `UpdateItem`…), counted as they are sent. */
  readonly requests = new Map<string, number>();
  /** SQS requests in 64 KB chunks (how SQS bills a request), by operation. */
  readonly billedChunks = new Map<string, number>();
  /** Write capacity units DynamoDB reported (`ConsumedCapacity`, tables and indexes); 0 when the endpoint reports none. */
  reportedWriteUnits = 0;
  /** Write capacity units DynamoDB reported, by operation. */
  readonly reportedWriteUnitsByOperation = new Map<string, number>();
  /** Read capacity units DynamoDB reported. */
  reportedReadUnits = 0;
  /** Write requests whose response carried no `ConsumedCapacity`. */
  unreportedWrites = 0;
  /**
   * DynamoDB item writes (each item of a `BatchWriteItem` counted) by the kind of item written: the part of its key before `#` (`chord`,
   * `rate`…), `task` for a task record (a bare task id), or `listing` for a listing item.
   */
  readonly writesByItemKind = new Map<string, number>();

  /** Requests of one operation. */
  count(operation: string): number {
    return this.requests.get(operation) ?? 0;
  }

  /** All requests. */
  total(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }

  /** Sum of billed 64 KB chunks. */
  totalChunks(): number {
    return [...this.billedChunks.values()].reduce((a, b) => a + b, 0);
  }

  /** Forgets everything counted so far. */
  reset(): void {
    this.requests.clear();
    this.billedChunks.clear();
    this.reportedWriteUnits = 0;
    this.reportedWriteUnitsByOperation.clear();
    this.reportedReadUnits = 0;
    this.unreportedWrites = 0;
    this.writesByItemKind.clear();
  }
}

const SQS_CHUNK_BYTES = 64 * 1024;

/**
 * Counts every request `client` sends, in the SDK's own middleware stack (so retries inside the SDK
 * are not counted twice, and nothing is guessed). DynamoDB writes and reads ask for
 * `ReturnConsumedCapacity: 'INDEXES'`, which changes no behaviour, and the reported units are summed.
 * @example
 * const counter = countRequests(new SQSClient({}));
 * await sqs.send(new SendMessageBatchCommand(...));
 * counter.count('SendMessageBatch'); // 1
 */
export function countRequests(client: SQSClient | DynamoDBClient, counter = new RequestCounter()): RequestCounter {
  const stack = (client as SQSClient).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const operation = ((context as { commandName?: string }).commandName ?? 'Unknown').replace(/Command$/, '');
      counter.requests.set(operation, (counter.requests.get(operation) ?? 0) + 1);
      const input = args.input as Record<string, unknown>;
      const isDynamo = (context as { clientName?: string }).clientName === 'DynamoDBClient';
      if (isDynamo && input && typeof input === 'object' && input.ReturnConsumedCapacity === undefined && operation !== 'DescribeTable') {
        input.ReturnConsumedCapacity = 'INDEXES';
      }
      if (!isDynamo) {
        const chunks = Math.max(1, Math.ceil(payloadBytes(input) / SQS_CHUNK_BYTES));
        counter.billedChunks.set(operation, (counter.billedChunks.get(operation) ?? 0) + chunks);
      }
      if (isDynamo && DYNAMODB_WRITES.has(operation)) {
        // A BatchWriteItem writes each of its items (each billed as a single write of that item).
        const targets = operation === 'BatchWriteItem' ? batchItems(input) : [input];
        for (const target of targets) {
          const kind = itemKind(target);
          counter.writesByItemKind.set(kind, (counter.writesByItemKind.get(kind) ?? 0) + 1);
        }
      }
      const output = await next(args);
      if (isDynamo) {
        const consumed = (output.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
          CapacityUnits?: number;
          WriteCapacityUnits?: number;
          ReadCapacityUnits?: number;
        }[];
        const units = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (DYNAMODB_WRITES.has(operation)) {
          if (list.length === 0) counter.unreportedWrites += 1;
          counter.reportedWriteUnits += units;
          counter.reportedWriteUnitsByOperation.set(operation, (counter.reportedWriteUnitsByOperation.get(operation) ?? 0) + units);
        } else {
          counter.reportedReadUnits += units;
        }
      }
      return output;
    },
    { step: 'initialize', name: `benchCountRequests${Math.random().toString(36).slice(2, 8)}` },
  );
  return counter;
}

/** The items of a `BatchWriteItem`, each as `{ Item }` or `{ Key }`. */
function batchItems(input: Record<string, unknown>): Record<string, unknown>[] {
  const tables = (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]>;
  return Object.values(tables).flatMap((requests) => requests.map((r) => (r.PutRequest ? { Item: r.PutRequest.Item } : { Key: r.DeleteRequest?.Key })));
}

/** The kind of item a DynamoDB write targets (see {@link RequestCounter.writesByItemKind}). */
function itemKind(input: Record<string, unknown>): string {
  const key = (input.Key ?? input.Item) as { id?: { S?: string }; shard?: unknown } | undefined;
  if (key?.shard !== undefined) return 'listing';
  const id = key?.id?.S ?? '';
  const hash = id.indexOf('#');
  return hash > 0 ? id.slice(0, hash) : 'task';
}

/** Bytes of the message bodies and attributes a request carries (what SQS's 64 KB chunking counts). */
function payloadBytes(input: Record<string, unknown>): number {
  const messageBytes = (m: Record<string, unknown>) =>
    Buffer.byteLength(String(m.MessageBody ?? '')) + (m.MessageAttributes ? Buffer.byteLength(JSON.stringify(m.MessageAttributes)) : 0);
  if (Array.isArray(input.Entries)) return (input.Entries as Record<string, unknown>[]).reduce((sum, e) => sum + messageBytes(e), 0);
  return messageBytes(input);
}
