/**
 * What one task costs in DynamoDB write units, on the embedded emulator (or AWS_ENDPOINT_URL): each
 * scenario runs a batch of {@link TASKS_A_BATCH} tasks through the worker, as an SQS event source
 * hands them to Lambda. Every write is captured with the item before and after it and priced by
 * DynamoDB's documented rules: a write costs 1 WCU per started KB of the larger of the two item
 * versions; a refused conditional write costs the existing item's units. The results table has no
 * index; the batch's listing item (the listing table) is priced the same way and shared by the batch's
 * tasks. Item size = attribute names + values (strings in UTF-8 bytes, numbers about one byte per two
 * digits + 1). Run: `npm run bench:write-units`.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../sdk/lambda/index.js';
import { awsTransport } from '../sdk/aws/index.js';
import { LocalRuntime, provisionLocalResources } from '../sdk/dev/index.js';
import { currentTask } from '../sdk/core/context.js';
import { pathToFileURL } from 'node:url';
import { applyLocalAwsEnv, resolveEndpoint } from '../sdk/dev/emulator/index.js';
import { createApp } from '../sdk/index.js';
import { markdownTable, type BenchTable } from './lib/report.js';

type Item = Record<string, AttributeValue>;

/** Tasks of each scenario, sent before the worker starts so that they arrive as one batch. */
export const TASKS_A_BATCH = 10;

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  return Buffer.byteLength(JSON.stringify(value));
}
const size = (item: Item | undefined) => (item ? Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0) : 0);
const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

interface Write {
  command: string;
  listing: boolean;
  units: number;
  bytes: number;
  /** Requests this entry stands for: 1 for a single write or a batch; 0 for an item inside a batch. */
  requests: number;
}

/** What a task's writes cost in write units, averaged over a batch. */
export interface WriteUnitsRow {
  readonly label: string;
  /** The write requests a task, e.g. `PutItem ×2 + listing PutItem ×0.1`. */
  readonly writes: string;
  /** Write units a task on the results table. */
  readonly table: number;
  /** Write units a task on the listing table (its share of the batch's listing item). */
  readonly listing: number;
  readonly total: number;
  readonly largestBytes: number;
}

type App = ReturnType<typeof createApp>;
type Send = () => Promise<{ id: string }>;

/** Each scenario defines its task on the app and returns how to send one. */
const scenarios: { label: string; config?: { celeryCompat: boolean }; define: (app: App) => Send }[] = [
  {
    label: '`math.add(4, 4)`',
    define: (app) => {
      const add = app.task('math.add', async (x: number, y: number) => x + y);
      return () => add.delay(4, 4);
    },
  },
  {
    label: 'e-mail (3 short string args, ~200-byte result)',
    define: (app) => {
      const send = app.task('email.send', async (to: string, subject: string, body: string) => ({
        messageId: `<${Date.now()}@shop.example>`,
        to,
        subject,
        bytes: body.length,
        file: '/var/outbox/x.eml',
      }));
      return () => send.delay('ada@example.com', 'Welcome to the shop', 'Hello Ada, thanks for signing up. Your account is ready.');
    },
  },
  {
    label: 'retried once, then SUCCESS',
    define: (app) => {
      const flaky = app.task('flaky', async () => (currentTask().retries === 0 ? currentTask().retry({ countdownSeconds: 0 }) : 'ok'));
      return () => flaky.delay();
    },
  },
  {
    label: '`ignoreResult`',
    define: (app) => {
      const fire = app.task('fire', async (x: number) => x, { ignoreResult: true });
      return () => fire.delay(1);
    },
  },
  {
    label: '`math.add(4, 4)` with `listed: false`',
    define: (app) => {
      const add = app.task('math.add', async (x: number, y: number) => x + y, { listed: false });
      return () => add.delay(4, 4);
    },
  },
  {
    label: '`math.add(4, 4)` with `celeryCompat` (readable by Celery clients)',
    config: { celeryCompat: true },
    define: (app) => {
      const add = app.task('math.add', async (x: number, y: number) => x + y);
      return () => add.delay(4, 4);
    },
  },
  {
    label: '5 KB of args (shown capped at 1 KB), 3 KB result',
    define: (app) => {
      const big = app.task('big', async (text: string) => text.slice(0, 3000));
      return () => big.delay('x'.repeat(5000));
    },
  },
];

/**
 * Runs each scenario's batch through the worker on the current endpoint (`AWS_ENDPOINT_URL`) and
 * prices every DynamoDB write it makes by DynamoDB's rules (see the top of this file).
 */
export async function measureWriteUnits(prefix = `wcu-${process.pid}`): Promise<WriteUnitsRow[]> {
  const rows: WriteUnitsRow[] = [];
  for (const [n, scenario] of scenarios.entries()) {
    const app = createApp({ name: `${prefix}-${n}`, ...scenario.config });
    const sqs = new SQSClient({});
    const dynamodb = new DynamoDBClient({});
    const reader = new DynamoDBClient({});
    const queues = await provisionLocalResources(app, { sqs, dynamodb });
    app.useTransport(awsTransport(app, { sqs, dynamodb }));
    const writes: Write[] = [];
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName?: string }).commandName ?? '';
        const input = args.input as { TableName?: string; Key?: Item; Item?: Item; RequestItems?: Record<string, { PutRequest?: { Item: Item } }[]> };
        if (command === 'BatchWriteItemCommand') {
          // Each item of a batch is billed as a PutItem of that item: by the larger of its two versions.
          const puts = Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) =>
            requests.map((r) => ({ table, key: { id: r.PutRequest!.Item.id! } as Item })),
          );
          const read = (p: (typeof puts)[number]) =>
            reader.send(new GetItemCommand({ TableName: p.table, Key: p.key, ConsistentRead: true })).then((out) => out.Item);
          const before = await Promise.all(puts.map(read));
          const result = await next(args);
          const unprocessed = Object.values((result.output as { UnprocessedItems?: Record<string, unknown[]> }).UnprocessedItems ?? {}).flat().length;
          if (unprocessed > 0) throw new Error('write-units: a BatchWriteItem left items unprocessed; rerun on a quiet endpoint');
          const after = await Promise.all(puts.map(read));
          writes.push({ command: 'BatchWriteItem', listing: false, units: 0, bytes: 0, requests: 1 });
          for (const [i, p] of puts.entries()) {
            const bytes = Math.max(size(before[i]), size(after[i]));
            writes.push({ command: 'BatchWriteItem item', listing: p.table === app.listingTableName, units: kb(bytes), bytes, requests: 0 });
          }
          return result;
        }
        if (!['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(command)) return next(args);
        const name = command.replace('Command', '');
        if (input.TableName === app.listingTableName) {
          const result = await next(args);
          writes.push({ command: name, listing: true, units: kb(size(input.Item)), bytes: size(input.Item), requests: 1 });
          return result;
        }
        const key = input.Key ?? { id: input.Item!.id! };
        const read = async () => (await reader.send(new GetItemCommand({ TableName: input.TableName, Key: key, ConsistentRead: true }))).Item;
        const before = await read();
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next(args);
        } catch (error) {
          // A refused conditional write still costs write units (by the existing item's size, at least one).
          if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
            writes.push({ command: `${name} (refused)`, listing: false, units: kb(size(before)), bytes: size(before), requests: 1 });
          }
          throw error;
        }
        const after = await read();
        const bytes = Math.max(size(before), size(after));
        writes.push({ command: name, listing: false, units: kb(bytes), bytes, requests: 1 });
        return result;
      },
      { step: 'initialize', name: 'priceWrites' },
    );
    const runtime = new LocalRuntime({ app, sqs, handler: createWorkerHandler(app, { log: () => undefined }), queues, concurrency: 1, log: () => undefined });
    const send = scenario.define(app);
    const sent: { id: string }[] = [];
    for (let i = 0; i < TASKS_A_BATCH; i++) sent.push(await send());
    runtime.start();
    const deadline = Date.now() + 60_000;
    const ignoring = scenario.label.includes('ignoreResult');
    const done = async () => {
      if (ignoring) return writes.filter((w) => !w.listing).length >= TASKS_A_BATCH && writes.some((w) => w.listing);
      const records = await Promise.all(sent.map((s) => app.backend().get(s.id)));
      return records.every((r) => r?.dateDone) && writes.some((w) => w.listing);
    };
    while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await runtime.stop();
    await app.close();
    const per = (list: Write[]) => list.reduce((s, w) => s + w.units, 0) / TASKS_A_BATCH;
    const counts = new Map<string, number>();
    for (const w of writes) {
      if (w.requests === 0) continue; // an item inside a BatchWriteItem: priced, not a request
      const label = w.listing ? `listing ${w.command}` : w.command;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    const table = per(writes.filter((w) => !w.listing));
    const listing = per(writes.filter((w) => w.listing));
    rows.push({
      label: scenario.label,
      writes: [...counts].map(([label, count]) => `${label} ×${Number((count / TASKS_A_BATCH).toFixed(2))}`).join(' + '),
      table,
      listing,
      total: table + listing,
      largestBytes: Math.max(...writes.map((w) => w.bytes)),
    });
  }
  return rows;
}

/** Bench 3c: the rows as a table. */
export function writeUnitsTable(rows: readonly WriteUnitsRow[]): BenchTable {
  const units = (n: number) => String(Number(n.toFixed(2)));
  return {
    title: "3c. DynamoDB write units a task, by DynamoDB's rules (`npm run bench:write-units`)",
    header: ['task', 'writes a task (requests)', 'records WCU', 'listing WCU', 'total WCU', 'largest item'],
    rows: rows.map((r) => [r.label, r.writes, units(r.table), units(r.listing), units(r.total), `${r.largestBytes} B`]),
    notes: [
      `each scenario: ${TASKS_A_BATCH} tasks sent, then run by the worker as one batch (an SQS event source's batch); figures a task`,
      "every write captured with the item before and after it (consistent reads); 1 unit per started KB of the larger version; a refused conditional write costs the existing item's units; each item of a `BatchWriteItem` is priced as a `PutItem` of that item (the batch saves requests, not units); the results table has no index",
      "listing: the batch's one listing item (all its tasks, compressed) shared by its tasks; a batch still running after a second writes one more, listing its running tasks",
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const emulator = await resolveEndpoint();
  applyLocalAwsEnv(emulator.endpoint);
  try {
    console.log(markdownTable(writeUnitsTable(await measureWriteUnits())));
  } finally {
    await emulator.stop();
  }
}
