import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, Context } from 'aws-lambda';
import { createWorkerHandler } from '../sdk/lambda/index.js';
import { awsTransport } from '../sdk/aws/index.js';
import { LocalRuntime, provisionLocalResources } from '../sdk/dev/index.js';
import { chord, createApp, currentTask, type TaskOptions } from '../sdk/index.js';
import { countRequests } from './lib/count-requests.js';
import { deadline, now, removeAppResources, type BenchContext } from './lib/context.js';
import { itemBytes, writeUnits } from './lib/item-size.js';
import { HOURS_A_MONTH, PRICES, PRICES_READ_ON } from './lib/prices.js';
import { fmt, type BenchTable } from './lib/report.js';

/** Settings of the AWS-calls bench. */
export interface AwsCallsOptions {
  /** Tasks per scenario. */
  readonly n: number;
  readonly timeoutMs: number;
}

interface Scenario {
  readonly name: string;
  readonly options: Omit<TaskOptions<readonly unknown[], 'default'>, 'argsSchema'>;
  /** The task retries once before succeeding. */
  readonly retryOnce?: boolean;
  /** Each caller awaits `get()` right after `delay()`. */
  readonly poll?: boolean;
  /** The tasks are sent as chords of this many members, each with a callback; figures are per member. */
  readonly chordSize?: number;
  /** The worker's `batchWriteLingerMs` (0: each result its own `PutItem`, as before batched writes). */
  readonly batchWriteLingerMs?: number;
}

/** Per-task figures of one scenario. */
export interface CallsPerTask {
  readonly scenario: string;
  readonly producerSqs: number;
  readonly eventSourceSqs: number;
  readonly workerSqs: number;
  /** Billed SQS requests (64 KB chunks) of all three. */
  readonly sqsBilled: number;
  readonly dynamoWrites: Record<string, number>;
  /** Write units by DynamoDB's rule (1 KB a unit, indexes included), from the measured item sizes. */
  readonly writeUnits: number;
  /** Write units the endpoint reported in `ConsumedCapacity`, by operation; undefined when it reported none. */
  readonly reportedWriteUnits: Record<string, number> | undefined;
  readonly readUnits: number;
  readonly getItemPerGet: number;
  readonly invocations: number;
  readonly handlerMs: number;
  /** Largest task record, in bytes. */
  readonly itemBytes: number;
  /** Largest chord join item, in bytes (chord scenarios). */
  readonly chordItemBytes?: number;
  readonly dollarsPerMillion: number;
  /** The same, with the handler taking at most {@link ASSUMED_AWS_BATCH_MS} a batch (an assumption, not a measurement). */
  readonly dollarsAtAwsSpeed: number;
  /** $ per million tasks by service. */
  readonly dollarsBy: { readonly sqs: number; readonly dynamodb: number; readonly lambda: number };
}

/** Handler time a batch of 10 no-op tasks is assumed to take on AWS (two parallel rounds of single-digit-ms DynamoDB writes). */
const ASSUMED_AWS_BATCH_MS = 40;

const SCENARIOS: readonly Scenario[] = [
  { name: 'with result (default)', options: {} },
  { name: 'with result, each result its own `PutItem` (`batchWriteLingerMs: 0`)', options: {}, batchWriteLingerMs: 0 },
  { name: 'with result, unlisted (`listed: false`)', options: { listed: false } },
  { name: '`ignoreResult`', options: { ignoreResult: true } },
  { name: 'lean: `ignoreResult` + `duplicateProtection: false`', options: { ignoreResult: true, duplicateProtection: false } },
  { name: 'retried once, then result', options: {}, retryOnce: true },
  { name: 'with result + caller awaits `get()` (500 ms polls)', options: {}, poll: true },
  { name: "chord member (chords of 10, the callback's share included)", options: {}, chordSize: 10 },
];

async function runScenario(
  ctx: BenchContext,
  scenario: Scenario,
  index: number,
  n: number,
  admin: { sqs: SQSClient; dynamodb: DynamoDBClient },
): Promise<CallsPerTask> {
  const name = `${ctx.prefix}-calls-${index}`;
  const define = () => {
    const app = createApp({ name });
    const task = app.task(
      'bench.noop',
      async () => {
        if (scenario.retryOnce && currentTask().retries === 0) currentTask().retry({ countdownSeconds: 1 });
        return null;
      },
      scenario.options,
    );
    const join = app.task('bench.join', async (results: unknown[]) => results.length, scenario.options);
    return { app, task, join };
  };
  const producer = define();
  const worker = define();
  const queues = await provisionLocalResources(producer.app, admin);
  const queueUrls = Object.fromEntries(queues.map((q) => [q.queueName, q.url]));
  const clients = { producerSqs: new SQSClient({}), callerDynamo: new DynamoDBClient({}), workerSqs: new SQSClient({}), workerDynamo: new DynamoDBClient({}) };
  producer.app.useTransport(awsTransport(producer.app, { sqs: clients.producerSqs, dynamodb: clients.callerDynamo, queueUrls }));
  worker.app.useTransport(
    awsTransport(worker.app, {
      sqs: clients.workerSqs,
      dynamodb: clients.workerDynamo,
      queueUrls,
      ...(scenario.batchWriteLingerMs !== undefined ? { batchWriteLingerMs: scenario.batchWriteLingerMs } : {}),
    }),
  );
  const counted = {
    producerSqs: countRequests(clients.producerSqs),
    callerDynamo: countRequests(clients.callerDynamo),
    workerSqs: countRequests(clients.workerSqs),
    workerDynamo: countRequests(clients.workerDynamo),
  };

  let succeeded = 0;
  let wake: (() => void) | undefined;
  const handler = createWorkerHandler(worker.app, {
    log: (event) => {
      if (event.type === 'succeeded') {
        succeeded += 1;
        wake?.();
      }
    },
  });
  const handlerTimes: number[] = [];
  const timed = async (event: SQSEvent, context: Context) => {
    const t0 = now();
    try {
      return await handler(event, context);
    } finally {
      handlerTimes.push(now() - t0);
    }
  };

  const size = scenario.chordSize;
  const expected = size ? n + n / size : n;
  const results = size
    ? await Promise.all(
        Array.from({ length: n / size }, () =>
          chord(
            Array.from({ length: size }, () => producer.task.s()),
            producer.join.s(),
          ).delay(),
        ),
      )
    : await Promise.all(Array.from({ length: n }, () => producer.task.delay()));
  // One poller: batches are as full as the queue allows, as with Lambda's event source at low concurrency.
  const runtime = new LocalRuntime({ app: worker.app, sqs: clients.workerSqs, handler: timed, queues, concurrency: 1, waitTimeSeconds: 1, log: ctx.log });
  runtime.start();
  try {
    const gets = scenario.poll ? Promise.all(results.map((r) => r.get({ timeoutMs: 120_000 }))) : Promise.resolve([]);
    while (succeeded < expected) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 500);
      });
    }
    await gets;
  } finally {
    await runtime.stop();
  }

  // Item sizes by kind (task records, chord join items), read without counting, for the computed write units.
  const table = await admin.dynamodb.send(new DescribeTableCommand({ TableName: worker.app.resultsTableName }));
  const indexes = (table.Table?.GlobalSecondaryIndexes ?? []).map((gsi) => (gsi.KeySchema ?? []).map((k) => k.AttributeName!));
  const sizes = new Map<string, { bytes: number; indexWrites: number }>();
  const scanned = await admin.dynamodb.send(new ScanCommand({ TableName: worker.app.resultsTableName, Limit: 500 }));
  for (const item of scanned.Items ?? []) {
    const id = item.id?.S ?? '';
    const kind = id.includes('#') ? id.slice(0, id.indexOf('#')) : 'task';
    const seen = sizes.get(kind) ?? { bytes: 0, indexWrites: 0 };
    sizes.set(kind, {
      bytes: Math.max(seen.bytes, itemBytes(item)),
      indexWrites: Math.max(seen.indexWrites, indexes.filter((keys) => keys.every((k) => item[k] !== undefined)).length),
    });
  }
  const listed = await admin.dynamodb.send(new ScanCommand({ TableName: worker.app.listingTableName, Limit: 500 }));
  for (const item of listed.Items ?? []) {
    sizes.set('listing', { bytes: Math.max(sizes.get('listing')?.bytes ?? 0, itemBytes(item)), indexWrites: 0 });
  }
  const stats = runtime.stats.get('default')!;
  // DynamoDB writes of the worker and of the producer (a chord's join item is written when it is sent).
  const writes: Record<string, number> = {};
  for (const counter of [counted.workerDynamo, counted.callerDynamo]) {
    for (const [op, count] of counter.requests) if (op !== 'GetItem') writes[op] = (writes[op] ?? 0) + count / n;
  }
  const writeCount = Object.values(writes).reduce((a, b) => a + b, 0);
  const reported =
    counted.workerDynamo.unreportedWrites === 0 && writeCount > 0
      ? Object.fromEntries([...counted.workerDynamo.reportedWriteUnitsByOperation].map(([op, u]) => [op, u / n]))
      : undefined;
  let units = 0;
  for (const counter of [counted.workerDynamo, counted.callerDynamo]) {
    for (const [kind, count] of counter.writesByItemKind) {
      const size = sizes.get(kind) ?? { bytes: 1, indexWrites: 0 };
      units += (count / n) * writeUnits(size.bytes) * (1 + size.indexWrites);
    }
  }
  const receives = stats.invocations;
  const deletes = counted.workerSqs.count('DeleteMessageBatch');
  const workerOwnSqs = counted.workerSqs.total() - counted.workerSqs.count('ReceiveMessage') - deletes;
  const sqsBilled = (counted.producerSqs.totalChunks() + receives + deletes + workerOwnSqs) / n;
  const gets = counted.callerDynamo.count('GetItem');
  const readUnits = gets / n; // strongly consistent reads of items under 4 KB: one unit each
  const handlerMs = handlerTimes.reduce((a, b) => a + b, 0) / Math.max(1, handlerTimes.length);
  const invocations = stats.invocations / n;
  const gbSeconds = invocations * (worker.app.worker.memoryMb / 1024) * (Math.ceil(handlerMs) / 1000);
  const parts = {
    sqs: sqsBilled * PRICES.sqsPerMillionRequests,
    dynamodb: units * PRICES.dynamoDbPerMillionWriteUnits + readUnits * PRICES.dynamoDbPerMillionReadUnits,
    lambda: invocations * PRICES.lambdaPerMillionRequests + gbSeconds * 1e6 * PRICES.lambdaArmPerGbSecond,
  };
  const dollars = parts.sqs + parts.dynamodb + parts.lambda;
  const awsGbSeconds = invocations * (worker.app.worker.memoryMb / 1024) * (Math.ceil(Math.min(handlerMs, ASSUMED_AWS_BATCH_MS)) / 1000);
  const dollarsAtAwsSpeed = dollars - gbSeconds * 1e6 * PRICES.lambdaArmPerGbSecond + awsGbSeconds * 1e6 * PRICES.lambdaArmPerGbSecond;

  await producer.app.close();
  await worker.app.close();
  await removeAppResources(worker.app, queues, admin.sqs, admin.dynamodb);
  return {
    scenario: scenario.name,
    producerSqs: counted.producerSqs.total() / n,
    eventSourceSqs: (receives + deletes) / n,
    workerSqs: workerOwnSqs / n,
    sqsBilled,
    dynamoWrites: writes,
    writeUnits: units,
    reportedWriteUnits: reported,
    readUnits,
    getItemPerGet: scenario.poll ? gets / n : 0,
    invocations,
    handlerMs,
    itemBytes: sizes.get('task')?.bytes ?? 0,
    ...(sizes.has('chord') ? { chordItemBytes: sizes.get('chord')!.bytes } : {}),
    dollarsPerMillion: dollars,
    dollarsAtAwsSpeed,
    dollarsBy: parts,
  };
}

/** Bench 3: AWS requests and DynamoDB write units a task costs, counted, and $ per million tasks. */
export async function benchAwsCalls(ctx: BenchContext, options: AwsCallsOptions): Promise<{ calls: BenchTable; cost: BenchTable; figures: CallsPerTask[] }> {
  const admin = { sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}) };
  const figures: CallsPerTask[] = [];
  const run = async () => {
    for (const [i, scenario] of SCENARIOS.entries()) {
      ctx.log(`bench aws-calls: ${scenario.name}, ${options.n} tasks…`);
      figures.push(await runScenario(ctx, scenario, i, options.n, admin));
    }
  };
  await deadline(run(), options.timeoutMs, 'bench aws-calls');

  const ops = (w: Record<string, number>) =>
    Object.entries(w)
      .map(([op, c]) => `${op} ${fmt(c, 2)}`)
      .join(', ') || '0';
  const calls: BenchTable = {
    title: `3. AWS calls a task (${fmt(options.n)} tasks a scenario, counted in the SDK)`,
    header: [
      'scenario',
      'SQS: producer',
      'SQS: event source (receive + delete)',
      'SQS: worker',
      'SQS billed',
      'DynamoDB writes',
      'write units (computed)',
      'write units (endpoint reported)',
      'item bytes',
      'reads (`get()`)',
      'Lambda invocations',
      'handler ms / invocation',
    ],
    rows: figures.map((f) => [
      f.scenario,
      fmt(f.producerSqs, 2),
      fmt(f.eventSourceSqs, 2),
      fmt(f.workerSqs, 2),
      fmt(f.sqsBilled, 2),
      ops(f.dynamoWrites),
      fmt(f.writeUnits, 2),
      f.reportedWriteUnits ? ops(f.reportedWriteUnits) : '—',
      f.chordItemBytes === undefined ? fmt(f.itemBytes) : `${fmt(f.itemBytes)} (chord item ${fmt(f.chordItemBytes)})`,
      fmt(f.readUnits, 2),
      fmt(f.invocations, 2),
      fmt(f.handlerMs, 1),
    ]),
    notes: [
      "per task, averaged; the event source's receives are the non-empty `ReceiveMessage` calls (on AWS, Lambda's pollers make them, and bill them, plus empty long polls while the queue is idle, not counted here)",
      "DynamoDB writes = requests a task, by operation: a `BatchWriteItem` carries the results of a worker batch's tasks, sent once every task of the batch has its result or 10 ms after the first (`batchWriteLingerMs`), so it counts a fraction of a request a task; the listing table's `PutItem` is one a batch",
      'write units (computed, used for cost) = item writes × ⌈item bytes / 1 KB⌉ (each item of a `BatchWriteItem` is billed as its own write), each item read back after the run and sized by DynamoDB\'s rules; the tables have no index; "endpoint reported" = `ConsumedCapacity` summed per operation (asked with `ReturnConsumedCapacity: INDEXES`): moto reports fixed figures, not AWS\'s',
      '`batchWriteLingerMs: 0`: the same task with each result written by its own `PutItem`, the way the worker wrote them before batched writes: the before/after of the request count and of the handler time a batch',
      "unlisted: the task's `listed: false` option keeps it out of the listing table (no listing on the dashboard or `celeriac inspect tasks`; still found by id), so no share of a listing write",
      `chord member: ${"chords of 10 no-op members and a no-op callback; per member, the callback's writes and the chord's join item (written once when the chord is sent, then once per member) included"}`,
      'targets (task with result): ≤ 0.25 SQS requests, ≤ 2 DynamoDB writes (≤ 1 with `ignoreResult`)',
    ],
  };

  const month = (perHour: number) => perHour * HOURS_A_MONTH;
  const alwaysOn = month(PRICES.ec2T4gSmallPerHour) + month(PRICES.elastiCacheT3MicroPerHour);
  const usd = (x: number) => `$${x.toFixed(2)}`;
  const costRows = figures.map((f) => [
    `celeriac: ${f.scenario}`,
    `${usd(f.dollarsBy.sqs)} + ${usd(f.dollarsBy.dynamodb)} + ${usd(f.dollarsBy.lambda)}`,
    usd(f.dollarsPerMillion),
    usd(f.dollarsAtAwsSpeed),
    `$${(f.dollarsPerMillion * 100).toFixed(0)}`,
  ]);
  for (const peer of ['Celery (Redis broker + results)', 'BullMQ (Redis)']) {
    costRows.push([
      `${peer}: 1 × EC2 t4g.small worker + 1 × ElastiCache cache.t3.micro, always on`,
      `${usd(alwaysOn)} a month, whatever the volume`,
      `${usd(alwaysOn)} at 1 M tasks/month, ${usd(alwaysOn / 10)} at 10 M`,
      '—',
      usd(alwaysOn),
    ]);
  }
  const cost: BenchTable = {
    title: `3b. $ per million tasks (AWS list prices, us-east-1, read ${PRICES_READ_ON})`,
    header: [
      'deployment',
      'SQS + DynamoDB + Lambda per 1 M tasks',
      '$ per 1 M tasks (measured handler time)',
      `$ per 1 M tasks (handler ≤ ${ASSUMED_AWS_BATCH_MS} ms a batch, assumed for AWS)`,
      '$ a month at 100 M tasks/month',
    ],
    rows: costRows,
    notes: [
      `prices: SQS $${PRICES.sqsPerMillionRequests}/M requests (64 KB chunks); DynamoDB on demand $${PRICES.dynamoDbPerMillionWriteUnits}/M write units, $${PRICES.dynamoDbPerMillionReadUnits}/M read units; Lambda $${PRICES.lambdaPerMillionRequests}/M requests + $${PRICES.lambdaArmPerGbSecond}/GB-s (Arm); EC2 t4g.small $${PRICES.ec2T4gSmallPerHour}/h; ElastiCache cache.t3.micro $${PRICES.elastiCacheT3MicroPerHour}/h; free tiers left out`,
      `Lambda duration: the handler time measured here per invocation, billed per ms at the worker's 512 MB; moto answers far slower than DynamoDB does, so this overstates it: the next column caps it at ${ASSUMED_AWS_BATCH_MS} ms a batch of 10 (an assumption, stated, not measured)`,
      'celeriac costs scale with tasks; the always-on deployments cost the same whatever the volume (no high availability, storage, IPv4 address or load balancer counted), so their $ per million falls as volume grows',
      'targets: ≤ $1.50 per million tasks with results and duplicate protection; ≤ $0.25 in the lean mode',
    ],
  };
  return { calls, cost, figures };
}
