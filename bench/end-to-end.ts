import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../sdk/lambda/index.js';
import { awsTransport } from '../sdk/aws/index.js';
import { LocalRuntime, provisionLocalResources } from '../sdk/dev/index.js';
import { findFreePort } from '../sdk/dev/emulator/index.js';
import { createApp, TaskState, type TaskOptions } from '../sdk/index.js';
import { deadline, now, removeAppResources, type BenchContext } from './lib/context.js';
import type { Peers } from './lib/peers.js';
import { startProcess, type BenchProcess } from './lib/processes.js';
import { fmt, median, percentile, ratio, type BenchTable } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Settings of the end-to-end bench. */
export interface EndToEndOptions {
  /** Tasks per system. */
  readonly n: number;
  /** Rounds: the systems alternate, each running `n / rounds` tasks a round; the median round is reported. */
  readonly rounds: number;
  /** Most tasks sent but not finished at once, so queues stay shallow. */
  readonly window: number;
  /** celeriac's pollers (concurrent invocations) in the local runtime. */
  readonly pollers: number;
  /** Celery worker processes (prefork). */
  readonly celeryConcurrency: number;
  readonly timeoutMs: number;
  /** The Celery peers, or why they are not run. */
  readonly peers: Peers | string;
}

/** One system's figures. */
export interface Throughput {
  readonly system: string;
  readonly sqs: string;
  /** Where results are stored. */
  readonly results: 'redis' | 'dynamodb';
  readonly tasksPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly error?: string;
}

/** The ways celeriac runs the no-op task in this bench: DynamoDB writes a task 2 (4 write units), 2 (2 units), 0. */
const CELERIAC_MODES = {
  default: { system: 'celeriac', options: {} },
  unlisted: { system: 'celeriac, `listed: false`', options: { listed: false } },
  lean: { system: 'celeriac, lean (`ignoreResult` + `duplicateProtection: false`)', options: { ignoreResult: true, duplicateProtection: false } },
} as const satisfies Record<string, { system: string; options: TaskOptions }>;

/** A key of {@link CELERIAC_MODES}. */
export type CeleriacMode = keyof typeof CELERIAC_MODES;

/**
 * celeriac end to end: `applyAsync()` from this process, the local runtime calling the Lambda
 * handler, SUCCESS recorded in DynamoDB. A task counts as done when the worker logs `succeeded`,
 * which it does after the record is written.
 */
export async function celeriacThroughput(
  ctx: BenchContext,
  options: { n: number; window: number; pollers: number; timeoutMs: number; sqs: SQSClient; label: string; mode?: CeleriacMode },
): Promise<Throughput> {
  const mode = options.mode ?? 'default';
  const app = createApp({ name: `${ctx.prefix}-e2e-${options.label}-${mode}` });
  const noop = app.task('bench.noop', async () => null, CELERIAC_MODES[mode].options);
  const dynamodb = new DynamoDBClient({});
  const queues = await provisionLocalResources(app, { sqs: options.sqs, dynamodb });
  app.useTransport(awsTransport(app, { sqs: options.sqs, dynamodb, queueUrls: Object.fromEntries(queues.map((q) => [q.queueName, q.url])) }));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done = 0;
  let wake: (() => void) | undefined;
  const handler = createWorkerHandler(app, {
    log: (event) => {
      if (event.type !== 'succeeded') return;
      const at = sentAt.get(event.id);
      if (at === undefined) return;
      sentAt.delete(event.id);
      latencies.push(now() - at);
      done += 1;
      wake?.();
    },
  });
  const runtime = new LocalRuntime({ app, sqs: options.sqs, handler, queues, concurrency: options.pollers, waitTimeSeconds: 1, log: (line) => ctx.log(line) });
  runtime.start();
  const failures: unknown[] = [];
  const drive = async (count: number) => {
    done = 0;
    latencies.length = 0;
    let sent = 0;
    const t0 = now();
    while (done < count) {
      while (sent < count && sent - done < options.window) {
        const id = randomUUID();
        sentAt.set(id, now());
        sent += 1;
        noop.applyAsync([], { taskId: id }).catch((error: unknown) => failures.push(error));
      }
      if (failures.length) throw failures[0];
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
    return (now() - t0) / 1000;
  };
  try {
    await deadline(drive(Math.min(50, options.n)), options.timeoutMs, 'celeriac warm-up');
    const seconds = await deadline(drive(options.n), options.timeoutMs, `celeriac end to end (${options.label})`);
    return { system: CELERIAC_MODES[mode].system, sqs: options.label, results: 'dynamodb', tasksPerSecond: options.n / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await runtime.stop();
    await app.close();
    await removeAppResources(app, queues, options.sqs, dynamodb);
  }
}

/** Median latency of DynamoDB writes on the endpoint, each alone (one after another), in ms. */
export interface WriteLatencies {
  /** A Celery-sized result `PutItem` (id, status, result, date). */
  readonly plainPut: number;
  /** An `UpdateItem` with one SET action. */
  readonly oneActionUpdate: number;
  /** celeriac's claim of a first delivery: a conditional `PutItem` of the STARTED record. */
  readonly claim: number;
  /** celeriac's claim of a redelivery: a conditional `UpdateItem` setting the state, lease, times and listing columns. */
  readonly reclaim: number;
  /** celeriac's result: a `PutItem` of the SUCCESS record. */
  readonly resultPut: number;
}

/**
 * Times the DynamoDB writes the end-to-end systems make, one at a time, on the current endpoint:
 * where an emulator's cost per write differs by write shape, this shows it.
 */
export async function measureWriteLatencies(ctx: BenchContext, samples = 60): Promise<WriteLatencies> {
  const app = createApp({ name: `${ctx.prefix}-e2e-writes` });
  app.task('bench.noop', async () => null);
  const sqs = new SQSClient({});
  const dynamodb = new DynamoDBClient({});
  const queues = await provisionLocalResources(app, { sqs, dynamodb });
  app.useTransport(awsTransport(app, { sqs, dynamodb }));
  const table = app.resultsTableName;
  const time = async (write: (i: number) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      await write(i);
      ms.push(now() - t0);
    }
    return median(ms);
  };
  try {
    const id = (kind: string, i: number) => `${kind}-${i}-${randomUUID()}`;
    const date = () => ({ S: new Date().toISOString() });
    const plainPut = await time((i) =>
      dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id('p', i) }, status: { S: 'SUCCESS' }, result: { S: 'null' }, date_done: date() } })),
    );
    const oneActionUpdate = await time((i) =>
      dynamodb.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: id('u', i) } }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'SUCCESS' } } })),
    );
    const ids = Array.from({ length: samples }, (_, i) => id('c', i));
    const claimOf = (taskId: string, firstDelivery: boolean) =>
      app.backend().claim({
        id: taskId,
        task: 'bench.noop',
        queue: 'default',
        now: new Date(),
        leaseUntil: new Date(Date.now() + 60_000),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        monitoring: { argsRepr: '[]', kwargsRepr: '{}', sentAt: new Date(), workerId: 'bench' },
        firstDelivery,
      });
    const claim = await time((i) => claimOf(ids[i]!, true));
    const reclaim = await time((i) => claimOf(id('r', i), false));
    const resultPut = await time((i) =>
      app.backend().save({ id: ids[i]!, task: 'bench.noop', queue: 'default', state: TaskState.SUCCESS, result: null, retries: 0, dateStarted: new Date(), dateDone: new Date(), sentAt: new Date(), argsRepr: '[]', kwargsRepr: '{}', runtimeMs: 0, workerId: 'bench', expiresAt: Math.floor(Date.now() / 1000) + 3600 }),
    );
    return { plainPut, oneActionUpdate, claim, reclaim, resultPut };
  } finally {
    await app.close();
    await removeAppResources(app, queues, sqs, dynamodb);
  }
}

/** Starts a private redis-server on 127.0.0.1 with no persistence. */
export async function startRedis(peers: Peers): Promise<{ process: BenchProcess; url: string }> {
  const port = await findFreePort();
  const proc = startProcess('redis-server', peers.redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']);
  await proc.waitFor(/Ready to accept connections/i, 15_000);
  return { process: proc, url: `redis://127.0.0.1:${port}` };
}

/**
 * Celery end to end: a prefork worker (`celery_bench.py`) and a producer (`drive.py`) in separate
 * processes; a task counts as done when the worker's `task_success` signal (sent after the result is
 * stored) pushes its id to Redis.
 */
export async function celeryThroughput(
  ctx: BenchContext,
  peers: Peers,
  options: { n: number; window: number; concurrency: number; timeoutMs: number; brokerUrl: string; redisUrl: string; label: string; results: 'redis' | 'dynamodb' },
): Promise<Throughput> {
  const cwd = join(here, 'celery');
  const key = `bench:done:${randomUUID().slice(0, 8)}`;
  const env = {
    ...process.env,
    BENCH_BROKER_URL: options.brokerUrl,
    BENCH_RESULT_URL:
      options.results === 'dynamodb' ? `dynamodb://x:x@us-east-1/${ctx.prefix}-celery-results-${randomUUID().slice(0, 6)}?read=5&write=5&ttl_seconds=86400` : `${options.redisUrl}/1`,
    ...(options.results === 'dynamodb' ? { BENCH_DYNAMODB_ENDPOINT: ctx.endpoint } : {}),
    BENCH_DONE_URL: `${options.redisUrl}/2`,
    BENCH_DONE_KEY: key,
    BENCH_QUEUE_PREFIX: `${ctx.prefix}-celery-${randomUUID().slice(0, 6)}-`,
    PYTHONPATH: cwd,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const worker = startProcess('celery worker', peers.python, ['-m', 'celery', '-A', 'celery_bench', 'worker', '-P', 'prefork', '-c', String(options.concurrency), '--loglevel', 'INFO', '--without-gossip', '--without-mingle', '--without-heartbeat'], { env, cwd });
  try {
    await worker.waitFor(/ready\./, 60_000);
    const driver = startProcess('celery producer', peers.python, ['drive.py', '--n', String(options.n), '--window', String(options.window), '--timeout', String(Math.round(options.timeoutMs / 1000))], { env, cwd });
    const code = await deadline(driver.exited, options.timeoutMs + 30_000, `celery end to end (${options.label})`).finally(() => driver.stop());
    const line = driver.tail.lines.map((l) => l.trim()).filter((l) => l.startsWith('{')).pop();
    const result = line ? (JSON.parse(line) as { seconds?: number; p50_ms?: number; p99_ms?: number; error?: string }) : undefined;
    if (code !== 0 || !result || result.error || result.seconds === undefined) {
      throw new Error(`celery producer failed (exit ${code}): ${result?.error ?? driver.tail.lines.slice(-10).join('\n')}\nworker:\n${worker.tail.lines.slice(-10).join('\n')}`);
    }
    return { system: `Celery ${peers.celeryVersion.split(' ')[0]}`, sqs: options.label, results: options.results, tasksPerSecond: options.n / result.seconds, p50Ms: result.p50_ms!, p99Ms: result.p99_ms! };
  } finally {
    await worker.stop();
  }
}

/** Starts fauxqs in a child process; resolves with its endpoint. */
export async function startFauxqs(): Promise<{ process: BenchProcess; endpoint: string }> {
  const proc = startProcess('fauxqs', process.execPath, ['--import', 'tsx', join(here, 'lib', 'fauxqs-server.ts')]);
  const match = await proc.waitFor(/fauxqs listening on (http:\/\/\S+)/, 30_000);
  return { process: proc, endpoint: match[1]! };
}

/** Bench 2: celeriac vs Celery (SQS and Redis brokers) end to end, on the emulator and on fauxqs. */
export async function benchEndToEnd(ctx: BenchContext, options: EndToEndOptions): Promise<BenchTable> {
  const perRound = Math.ceil(options.n / options.rounds);
  const runs = new Map<string, Throughput[]>();
  const attempt = async (system: string, sqsLabel: string, stored: 'redis' | 'dynamodb', round: number, fn: () => Promise<Throughput>) => {
    const key = `${system}|${sqsLabel}|${stored}`;
    if (!runs.has(key)) runs.set(key, []);
    if (runs.get(key)!.some((r) => r.error)) return; // failed once: not again
    ctx.log(`bench end-to-end: ${system} on ${sqsLabel} (results in ${stored}), ${perRound} tasks, round ${round}/${options.rounds}…`);
    try {
      runs.get(key)!.push(await fn());
    } catch (error) {
      ctx.log(`bench end-to-end: ${system} on ${sqsLabel} failed: ${(error as Error).message}`);
      runs.get(key)!.push({ system, sqs: sqsLabel, results: stored, tasksPerSecond: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN, error: (error as Error).message.split('\n')[0] });
    }
  };
  const common = { n: perRound, window: options.window, timeoutMs: options.timeoutMs };
  const peers = typeof options.peers === 'string' ? undefined : options.peers;
  const redis = peers ? await startRedis(peers) : undefined;
  const [main, ...others] = ctx.sqsTargets;
  ctx.log('bench end-to-end: timing single DynamoDB writes…');
  const writes = await measureWriteLatencies(ctx);
  try {
    // Rounds alternate the systems, so a neighbour's load on the shared machine falls on all alike.
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['default', 'unlisted', 'lean'] as const) {
        await attempt(CELERIAC_MODES[mode].system, main!.label, 'dynamodb', round, async () =>
          celeriacThroughput(ctx, { ...common, pollers: options.pollers, sqs: await main!.sqs(), label: main!.label, mode }),
        );
      }
      if (peers && redis) {
        const celery = (label: string, brokerUrl: string, stored: 'redis' | 'dynamodb') =>
          attempt('Celery', label, stored, round, () => celeryThroughput(ctx, peers, { ...common, concurrency: options.celeryConcurrency, brokerUrl, redisUrl: redis.url, label, results: stored }));
        const sqsUrl = `sqs://x:x@${new URL(main!.endpoint).host}`;
        await celery(main!.label, sqsUrl, 'dynamodb');
        await celery(main!.label, sqsUrl, 'redis');
        await celery('Redis broker', `${redis.url}/0`, 'redis');
      }
      for (const target of others) {
        await attempt('celeriac', target.label, 'dynamodb', round, async () => celeriacThroughput(ctx, { ...common, pollers: options.pollers, sqs: await target.sqs(), label: target.label }));
      }
    }
  } finally {
    await redis?.process.stop();
  }

  const results = [...runs.values()].map((list) => {
    const failed = list.find((r) => r.error);
    if (failed) return { ...failed, slowest: Number.NaN, fastest: Number.NaN };
    const byRate = [...list].sort((a, b) => a.tasksPerSecond - b.tasksPerSecond);
    const mid = byRate[Math.floor((byRate.length - 1) / 2)]!;
    return {
      ...mid,
      p50Ms: median(list.map((r) => r.p50Ms)),
      p99Ms: median(list.map((r) => r.p99Ms)),
      slowest: byRate[0]!.tasksPerSecond,
      fastest: byRate.at(-1)!.tasksPerSecond,
    };
  });
  const celeryBase = results.find((r) => r.system.startsWith('Celery') && r.sqs === main!.label && r.results === 'dynamodb' && !r.error);
  const celeriacMain = results.find((r) => r.system === 'celeriac' && r.sqs === main!.label && !r.error);
  const where = (r: Throughput) =>
    r.sqs === 'Redis broker' ? 'Redis broker, Redis results' : `SQS on ${r.sqs}, results in ${r.results === 'dynamodb' ? `DynamoDB on ${main!.label}` : 'Redis'}`;
  const rows = results.map((r) => [
    r.system,
    where(r),
    r.error ? `failed: ${r.error}` : fmt(r.tasksPerSecond, 1),
    r.error ? '' : `${fmt(r.slowest, 1)}–${fmt(r.fastest, 1)}`,
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    celeryBase && !r.error ? ratio(r.tasksPerSecond, celeryBase.tasksPerSecond) : '—',
    celeriacMain && !r.error ? ratio(r.tasksPerSecond, celeriacMain.tasksPerSecond) : '—',
  ]);
  const notes = [
    `${fmt(perRound * options.rounds)} no-op tasks per system in ${options.rounds} rounds of ${fmt(perRound)}, the systems alternating, each round after a warm-up; at most ${options.window} unfinished at once (producer and worker run together, so queues stay shallow); latency is enqueue call → result stored, so at a full window it is mostly waiting in line (window ÷ rate)`,
    `celeriac: ${options.pollers} pollers of the local runtime calling the Lambda handler (claim + result: 2 DynamoDB writes a task, each also writing the \`byTime\` index entry unless \`listed: false\`; lean: no DynamoDB write, done = the body returned); Celery: prefork worker, ${options.celeryConcurrency} processes, prefetch ×10 (1 result write a task)`,
    `single DynamoDB writes on this endpoint, one after another (median of 60): Celery's result \`PutItem\` ${fmt(writes.plainPut, 1)} ms; celeriac's claim of a first delivery (a conditional \`PutItem\` of the STARTED record) ${fmt(writes.claim, 1)} ms and its result \`PutItem\` ${fmt(writes.resultPut, 1)} ms; the re-claim of a redelivery (a conditional \`UpdateItem\` with 14 SET actions, keeping the retry count and history) ${fmt(writes.reclaim, 1)} ms, against ${fmt(writes.oneActionUpdate, 1)} ms for an \`UpdateItem\` with one SET action: moto evaluates each update action in Python, DynamoDB's latency does not grow with them. The lean row shows the rest of the path without DynamoDB`,
    `the baseline is Celery with the same SQS and the same DynamoDB (Celery's own DynamoDB result backend): target celeriac ≥ 3× it`,
  ];
  if (others.length) {
    notes.push(
      'fauxqs rows: SQS through `AWS_ENDPOINT_URL_SQS` on fauxqs, DynamoDB still on moto. Celery is not run there: Debian\'s Celery 5.2 / botocore 1.29 speak the SQS query protocol, and fauxqs answers only the JSON protocol',
    );
  }
  if (typeof options.peers === 'string') notes.push(`Celery rows skipped: ${options.peers}`);
  return {
    title: '2. End to end: no-op tasks, enqueue → done',
    header: ['system', 'broker and results', 'tasks/s (median round)', 'range', 'p50 ms', 'p99 ms', 'vs Celery (same SQS + DynamoDB)', `vs celeriac on ${main!.label}`],
    rows,
    notes,
  };
}
