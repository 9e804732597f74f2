/**
 * What one task costs in DynamoDB write units, with the task index, on the embedded emulator (or
 * AWS_ENDPOINT_URL). Every write the worker makes is captured with the item before and after it,
 * and priced by DynamoDB's documented rules: a table write costs 1 WCU per started KB of the larger
 * of the two item versions; the `byTime` index costs one write per started KB of its entry when an
 * entry appears or changes (two when its key changes: a delete and a put), none when no projected
 * attribute changes; a refused conditional write costs the existing item's units, with no index write. Item size = attribute names + values (strings in UTF-8 bytes, numbers about
 * one byte per two digits + 1). Run: `npm run bench:write-units`.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../sdk/lambda/index.js';
import { awsTransport, LocalRuntime, provisionLocalResources } from '../sdk/aws/index.js';
import { TASK_INDEX_PROJECTION, TASK_INDEX_SHARD_ATTRIBUTE, TASK_INDEX_TIME_ATTRIBUTE } from '../sdk/core/contract/task-index.js';
import { currentTask } from '../sdk/core/context.js';
import { applyLocalAwsEnv, resolveEndpoint } from '../sdk/emulator/index.js';
import { createApp } from '../sdk/index.js';

type Item = Record<string, AttributeValue>;

const emulator = await resolveEndpoint();
applyLocalAwsEnv(emulator.endpoint);

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  return Buffer.byteLength(JSON.stringify(value));
}
const size = (item: Item | undefined) => (item ? Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0) : 0);
const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const INDEX_ATTRIBUTES = ['id', TASK_INDEX_SHARD_ATTRIBUTE, TASK_INDEX_TIME_ATTRIBUTE, ...TASK_INDEX_PROJECTION];
const indexEntry = (item: Item | undefined): Item | undefined =>
  item?.[TASK_INDEX_SHARD_ATTRIBUTE] && item[TASK_INDEX_TIME_ATTRIBUTE]
    ? Object.fromEntries(Object.entries(item).filter(([k]) => INDEX_ATTRIBUTES.includes(k)))
    : undefined;

function indexUnits(before: Item | undefined, after: Item | undefined): number {
  const [a, b] = [indexEntry(before), indexEntry(after)];
  if (!a && !b) return 0;
  if (!a) return kb(size(b));
  if (!b) return kb(size(a));
  const key = (e: Item) => `${e[TASK_INDEX_SHARD_ATTRIBUTE]!.S}/${e[TASK_INDEX_TIME_ATTRIBUTE]!.N}`;
  if (key(a) !== key(b)) return kb(size(a)) + kb(size(b));
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : kb(Math.max(size(a), size(b)));
}

interface Write {
  command: string;
  table: number;
  index: number;
  bytes: number;
}

const rows = ['| task | writes (requests) | table WCU | index WCU | total WCU | largest item |', '|---|---|---|---|---|---|'];
const scenarios: { label: string; config?: { celeryCompat: boolean }; run: (app: ReturnType<typeof createApp>) => Promise<{ id: string; ready(): Promise<boolean> }> }[] = [
  { label: '`math.add(4, 4)`', run: (app) => app.task('math.add', async (x: number, y: number) => x + y).delay(4, 4) },
  {
    label: 'e-mail (3 short string args, ~200-byte result)',
    run: (app) =>
      app
        .task('email.send', async (to: string, subject: string, body: string) => ({ messageId: `<${Date.now()}@shop.example>`, to, subject, bytes: body.length, file: '/var/outbox/x.eml' }))
        .delay('ada@example.com', 'Welcome to the shop', 'Hello Ada, thanks for signing up. Your account is ready.'),
  },
  { label: 'retried once, then SUCCESS', run: (app) => app.task('flaky', async () => (currentTask().retries === 0 ? currentTask().retry({ countdownSeconds: 0 }) : 'ok')).delay() },
  { label: '`ignoreResult`', run: (app) => app.task('fire', async (x: number) => x, { ignoreResult: true }).delay(1) },
  { label: '`math.add(4, 4)` with `listed: false`', run: (app) => app.task('math.add', async (x: number, y: number) => x + y, { listed: false }).delay(4, 4) },
  {
    label: '`math.add(4, 4)` with `celeryCompat` (readable by Celery clients)',
    config: { celeryCompat: true },
    run: (app) => app.task('math.add', async (x: number, y: number) => x + y).delay(4, 4),
  },
  { label: '5 KB of args (shown capped at 1 KB), 3 KB result', run: (app) => app.task('big', async (s: string) => s.slice(0, 3000)).delay('x'.repeat(5000)) },
];

for (const [n, scenario] of scenarios.entries()) {
  const app = createApp({ name: `wcu-${n}-${process.pid}`, ...scenario.config });
  const sqs = new SQSClient({});
  const dynamodb = new DynamoDBClient({});
  const reader = new DynamoDBClient({});
  const queues = await provisionLocalResources(app, { sqs, dynamodb });
  app.useTransport(awsTransport(app, { sqs, dynamodb }));
  const writes: Write[] = [];
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '';
      const input = args.input as { TableName?: string; Key?: Item; Item?: Item };
      if (!['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(command)) return next(args);
      const key = input.Key ?? { id: input.Item!.id! };
      const read = async () => (await reader.send(new GetItemCommand({ TableName: input.TableName, Key: key, ConsistentRead: true }))).Item;
      const before = await read();
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        // A refused conditional write still costs write units (by the existing item's size, at least
        // one), but no index write: nothing changed.
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
          writes.push({ command: `${command.replace('Command', '')} (refused)`, table: kb(size(before)), index: 0, bytes: size(before) });
        }
        throw error;
      }
      const after = await read();
      writes.push({ command: command.replace('Command', ''), table: kb(Math.max(size(before), size(after))), index: indexUnits(before, after), bytes: Math.max(size(before), size(after)) });
      return result;
    },
    { step: 'initialize', name: 'priceWrites' },
  );
  const runtime = new LocalRuntime({ app, sqs, handler: createWorkerHandler(app, { log: () => undefined }), queues, concurrency: 1, log: () => undefined });
  const sent = await scenario.run(app);
  runtime.start();
  const deadline = Date.now() + 60_000;
  while (!(await app.backend().get(sent.id))?.dateDone && !(scenario.label.includes('ignoreResult') && writes.length >= 1) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await runtime.stop();
  const table = writes.reduce((s, w) => s + w.table, 0);
  const index = writes.reduce((s, w) => s + w.index, 0);
  rows.push(`| ${scenario.label} | ${writes.map((w) => w.command).join(' + ')} | ${table} | ${index} | ${table + index} | ${Math.max(...writes.map((w) => w.bytes))} B |`);
}
console.log(rows.join('\n'));
await emulator.stop();
