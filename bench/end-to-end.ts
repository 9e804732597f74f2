import type { BenchContext } from './lib/context.js';
import { CELERIAC_MODES, celeriacThroughput, type RunOptions, type Throughput } from './lib/e2e-celeriac.js';
import { celeryThroughput, startRedis, type CeleryResults } from './lib/e2e-celery.js';
import { measureWriteLatencies } from './lib/e2e-writes.js';
import type { Peers } from './lib/peers.js';
import { fmt, median, ratio, type BenchTable } from './lib/report.js';

export { startFauxqs } from './lib/e2e-celery.js';
export type { Throughput } from './lib/e2e-celeriac.js';

/** Settings of the end-to-end bench. */
export interface EndToEndOptions {
  /** Tasks per system. */
  readonly n: number;
  /** Rounds: the systems alternate, each running `n / rounds` tasks a round; the median round is reported. */
  readonly rounds: number;
  /** Most tasks sent but not finished at once, so queues stay shallow. */
  readonly window: number;
  /** Tasks sent one at a time after each timed run (unloaded latency). */
  readonly latencyN: number;
  /** celeriac's pollers (concurrent invocations) in the local runtime. */
  readonly pollers: number;
  /** Celery worker processes (prefork). */
  readonly celeryConcurrency: number;
  readonly timeoutMs: number;
  /** The Celery peers, or why they are not run. */
  readonly peers: Peers | string;
}

/** A system's figures over its rounds: the median round's rate, the medians of the rest. */
export interface EndToEndResult extends Throughput {
  readonly slowest: number;
  readonly fastest: number;
}

/** What {@link benchEndToEnd} returns: its tables and the figures the targets are checked against. */
export interface EndToEndReport {
  readonly throughput: BenchTable;
  readonly latency: BenchTable;
  readonly results: readonly EndToEndResult[];
  /** The SQS endpoint label of the main rows (moto, or `endpoint`). */
  readonly main: string;
}

/** Bench 2: celeriac vs Celery 5.7 (SQS and Redis brokers) end to end on the same endpoint: rate, worker CPU a task, unloaded latency. */
export async function benchEndToEnd(ctx: BenchContext, options: EndToEndOptions): Promise<EndToEndReport> {
  const perRound = Math.ceil(options.n / options.rounds);
  const runs = new Map<string, Throughput[]>();
  const nan = {
    tasksPerSecond: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    cpuMsPerTask: Number.NaN,
    unloadedP50Ms: Number.NaN,
    unloadedP99Ms: Number.NaN,
  };
  const attempt = async (system: string, sqsLabel: string, stored: CeleryResults, round: number, fn: () => Promise<Throughput>) => {
    const key = `${system}|${sqsLabel}|${stored}`;
    if (!runs.has(key)) runs.set(key, []);
    if (runs.get(key)!.some((r) => r.error)) return; // failed once: not again
    ctx.log(`bench end-to-end: ${system} on ${sqsLabel} (results: ${stored}), ${perRound} tasks, round ${round}/${options.rounds}…`);
    try {
      runs.get(key)!.push(await fn());
    } catch (error) {
      ctx.log(`bench end-to-end: ${system} on ${sqsLabel} failed: ${(error as Error).message}`);
      runs.get(key)!.push({ system, sqs: sqsLabel, results: stored, ...nan, error: (error as Error).message.split('\n')[0] });
    }
  };
  const common: RunOptions = { n: perRound, window: options.window, latencyN: options.latencyN, timeoutMs: options.timeoutMs };
  const peers = typeof options.peers === 'string' ? undefined : options.peers;
  const celeryName = peers ? `Celery ${peers.celeryVersion.split(' ')[0]}` : 'Celery';
  const redis = peers ? await startRedis(peers) : undefined;
  const [main, ...others] = ctx.sqsTargets;
  ctx.log('bench end-to-end: timing single DynamoDB writes…');
  const writes = await measureWriteLatencies(ctx);
  try {
    // Rounds alternate the systems, so a neighbour's load on the shared machine falls on all alike.
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['default', 'unlisted', 'lean'] as const) {
        await attempt(CELERIAC_MODES[mode].system, main!.label, mode === 'lean' ? 'none' : 'dynamodb', round, () =>
          celeriacThroughput(ctx, main!, { ...common, pollers: options.pollers, mode }),
        );
      }
      if (peers && redis) {
        const celery = (label: string, brokerUrl: string, stored: CeleryResults) =>
          attempt(celeryName, label, stored, round, () =>
            celeryThroughput(ctx, peers, { ...common, concurrency: options.celeryConcurrency, brokerUrl, redisUrl: redis.url, label, results: stored }),
          );
        const sqsUrl = `sqs://x:x@${new URL(main!.endpoint).host}`;
        await celery(main!.label, sqsUrl, 'dynamodb');
        await celery(main!.label, sqsUrl, 'none');
        await celery(main!.label, sqsUrl, 'redis');
        await celery('Redis broker', `${redis.url}/0`, 'redis');
      }
      // The other SQS endpoints (DynamoDB stays on the main one): celeriac and its lean mode, and
      // Celery with and without results on the same SQS, so each endpoint has its own baseline.
      for (const target of others) {
        for (const mode of ['default', 'lean'] as const) {
          await attempt(CELERIAC_MODES[mode].system, target.label, mode === 'lean' ? 'none' : 'dynamodb', round, () =>
            celeriacThroughput(ctx, target, { ...common, pollers: options.pollers, mode }),
          );
        }
        if (peers && redis) {
          const sqsUrl = `sqs://x:x@${new URL(target.endpoint).host}`;
          for (const stored of ['dynamodb', 'none'] as const) {
            await attempt(celeryName, target.label, stored, round, () =>
              celeryThroughput(ctx, peers, {
                ...common,
                concurrency: options.celeryConcurrency,
                brokerUrl: sqsUrl,
                redisUrl: redis.url,
                label: target.label,
                results: stored,
              }),
            );
          }
        }
      }
    }
  } finally {
    await redis?.process.stop();
  }

  const results: EndToEndResult[] = [...runs.values()].map((list) => {
    const failed = list.find((r) => r.error);
    if (failed) return { ...failed, slowest: Number.NaN, fastest: Number.NaN };
    const byRate = [...list].sort((a, b) => a.tasksPerSecond - b.tasksPerSecond);
    const mid = byRate[Math.floor((byRate.length - 1) / 2)]!;
    const med = (pick: (r: Throughput) => number) => median(list.map(pick));
    return {
      ...mid,
      p50Ms: med((r) => r.p50Ms),
      p99Ms: med((r) => r.p99Ms),
      cpuMsPerTask: med((r) => r.cpuMsPerTask),
      unloadedP50Ms: med((r) => r.unloadedP50Ms),
      unloadedP99Ms: med((r) => r.unloadedP99Ms),
      slowest: byRate[0]!.tasksPerSecond,
      fastest: byRate.at(-1)!.tasksPerSecond,
    };
  });
  const celeryBase = results.find((r) => r.system.startsWith('Celery') && r.sqs === main!.label && r.results === 'dynamodb' && !r.error);
  const celeriacMain = results.find((r) => r.system === 'celeriac' && r.sqs === main!.label && !r.error);
  const stores = { dynamodb: `results in DynamoDB on ${main!.label}`, redis: 'results in Redis', none: 'no results (`ignoreResult` / `ignore_result`)' };
  const where = (r: Throughput) => (r.sqs === 'Redis broker' ? 'Redis broker, Redis results' : `SQS on ${r.sqs}, ${stores[r.results]}`);
  const rows = results.map((r) => [
    r.system,
    where(r),
    r.error ? `failed: ${r.error}` : fmt(r.tasksPerSecond, 1),
    r.error ? '' : `${fmt(r.slowest, 1)}–${fmt(r.fastest, 1)}`,
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    fmt(r.cpuMsPerTask, 2),
    celeryBase && !r.error ? ratio(r.tasksPerSecond, celeryBase.tasksPerSecond) : '—',
    celeryBase && !r.error ? ratio(r.cpuMsPerTask, celeryBase.cpuMsPerTask) : '—',
    celeriacMain && !r.error ? ratio(r.tasksPerSecond, celeriacMain.tasksPerSecond) : '—',
  ]);
  const notes = [
    `${fmt(perRound * options.rounds)} no-op tasks per system in ${options.rounds} round(s) of ${fmt(perRound)}, the systems alternating, each round after a warm-up; at most ${options.window} unfinished at once (producer and worker run together, so queues stay shallow); latency is enqueue call → result stored, so at a full window it is mostly waiting in line (window ÷ rate)`,
    `producer and worker are separate processes on both sides. celeriac: the worker process runs ${options.pollers} pollers of the local runtime calling the Lambda handler (claim + result: 2 DynamoDB item writes a task, the results of a batch's tasks sharing \`BatchWriteItem\` requests, plus one listing item a batch unless \`listed: false\`; lean: no DynamoDB write, done = the body returned); ${celeryName}: prefork worker, ${options.celeryConcurrency} processes, prefetch ×10 (1 result write a task)`,
    `worker CPU ms / task = user + system time of every process in the worker's process group (Node's one process; Celery's main process and its pool), read from /proc/<pid>/stat before and after the timed run (10 ms ticks), ÷ tasks. It includes receiving and deleting the messages on both sides (on AWS, Lambda's pollers do that for celeriac, unbilled) and one "done" notice a task (a stdout line for celeriac, a Redis RPUSH for Celery); it does not depend on how fast the emulator answers, only on how many requests are made and how much work each costs the client`,
    `single DynamoDB writes on this endpoint, one after another (median of 60): Celery's result \`PutItem\` ${fmt(writes.plainPut, 1)} ms; celeriac's claim of a first delivery (a conditional \`PutItem\` of the STARTED record) ${fmt(writes.claim, 1)} ms and its result \`PutItem\` ${fmt(writes.resultPut, 1)} ms; the re-claim of a redelivery (a conditional \`UpdateItem\` keeping the retry count and history) ${fmt(writes.reclaim, 1)} ms, against ${fmt(writes.oneActionUpdate, 1)} ms for an \`UpdateItem\` with one SET action`,
    `the baseline is ${celeryName} (kombu ${peers?.celeryVersion.split(' ')[1] ?? '?'}, from PyPI in .celeriac/bench-venv${peers ? `; ${peers.libraries}` : ''}) with the same SQS and the same DynamoDB (Celery's own DynamoDB result backend); targets: celeriac ≥ 2× it with results, lean ≥ 3× (see the targets table). Debian's Celery 5.2 is no longer run: 5.7 is what a team installs today, and a second Celery row per broker would only lengthen the run`,
  ];
  if (others.some((target) => target.label === 'fauxqs')) {
    notes.push(
      `fauxqs rows: SQS on fauxqs (celeriac through \`AWS_ENDPOINT_URL_SQS\`, Celery through its broker URL), DynamoDB still on ${main!.label} for both; the ratio column compares with Celery on ${main!.label}, the targets table with Celery on the same SQS`,
    );
  }
  if (others.some((target) => target.label === 'localstack')) {
    notes.push(
      `localstack rows: SQS on LocalStack (its Python SQS provider, run without Docker; celeriac through \`AWS_ENDPOINT_URL_SQS\`, Celery through its broker URL), DynamoDB still on ${main!.label} for both`,
    );
  }
  if (typeof options.peers === 'string') notes.push(`Celery rows skipped: ${options.peers}`);
  const throughput: BenchTable = {
    title: '2. End to end: no-op tasks, enqueue → done',
    header: [
      'system',
      'broker and results',
      'tasks/s (median round)',
      'range',
      'p50 ms',
      'p99 ms',
      'worker CPU ms / task',
      `vs ${celeryName} (same SQS + DynamoDB): tasks/s`,
      'CPU / task',
      `tasks/s vs celeriac on ${main!.label}`,
    ],
    rows,
    notes,
  };
  const latency: BenchTable = {
    title: '2b. Unloaded latency: one task at a time, enqueue → result stored',
    header: ['system', 'broker and results', `p50 ms (${options.latencyN} tasks)`, 'p99 ms'],
    rows: results.filter((r) => !r.error).map((r) => [r.system, where(r), fmt(r.unloadedP50Ms, 1), fmt(r.unloadedP99Ms, 1)]),
    notes: [
      `after each timed run, ${options.latencyN} tasks sent one after another, each once the previous one's result is stored (celeriac: the worker's \`succeeded\` event, after the SUCCESS record's write returned; Celery: the \`task_success\` signal, after the backend stored the result); clocks are the same machine's. Polling settings: celeriac's local runtime long-polls 1 s with ${options.pollers} pollers; kombu long-polls 1 s with a 0.1 s polling interval`,
    ],
  };
  return { throughput, latency, results, main: main!.label };
}
