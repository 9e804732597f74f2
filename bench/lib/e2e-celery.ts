import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../sdk/emulator/index.js';
import { deadline, type BenchContext } from './context.js';
import type { RunOptions, Throughput } from './e2e-celeriac.js';
import type { Peers } from './peers.js';
import { startProcess, type BenchProcess } from './processes.js';

const celeryDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'celery');

/** Starts a private redis-server on 127.0.0.1 with no persistence. */
export async function startRedis(peers: Peers): Promise<{ process: BenchProcess; url: string }> {
  const port = await findFreePort();
  const proc = startProcess('redis-server', peers.redisServer, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ]);
  await proc.waitFor(/Ready to accept connections/i, 15_000);
  return { process: proc, url: `redis://127.0.0.1:${port}` };
}

/** Where a Celery run keeps its results. */
export type CeleryResults = Throughput['results'];

/**
 * Celery end to end: a prefork worker (`celery_bench.py`) and a producer (`drive.py`) in separate
 * processes; a task counts as done when the worker's `task_success` signal (sent after the result is
 * stored) pushes its id to Redis. The producer reads the worker's CPU from `/proc` (its process group:
 * the main process and the pool) around the timed run, as the celeriac side does.
 */
export async function celeryThroughput(
  ctx: BenchContext,
  peers: Peers,
  options: RunOptions & { concurrency: number; brokerUrl: string; sqsEndpoint?: string; redisUrl: string; label: string; results: CeleryResults },
): Promise<Throughput> {
  const key = `bench:done:${randomUUID().slice(0, 8)}`;
  const resultUrl = {
    dynamodb: `dynamodb://x:x@us-east-1/${ctx.prefix}-celery-results-${randomUUID().slice(0, 6)}?read=5&write=5&ttl_seconds=86400`,
    redis: `${options.redisUrl}/1`,
    none: '',
  }[options.results];
  const env = {
    ...process.env,
    BENCH_BROKER_URL: options.brokerUrl,
    BENCH_RESULT_URL: resultUrl,
    ...(options.results === 'dynamodb' ? { BENCH_DYNAMODB_ENDPOINT: ctx.endpoint } : {}),
    ...(options.sqsEndpoint ? { BENCH_SQS_ENDPOINT: options.sqsEndpoint } : {}),
    BENCH_DONE_URL: `${options.redisUrl}/2`,
    BENCH_DONE_KEY: key,
    BENCH_QUEUE_PREFIX: `${ctx.prefix}-celery-${randomUUID().slice(0, 6)}-`,
    PYTHONPATH: celeryDir,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const worker = startProcess(
    'celery worker',
    peers.python,
    [
      '-m',
      'celery',
      '-A',
      'celery_bench',
      'worker',
      '-P',
      'prefork',
      '-c',
      String(options.concurrency),
      '--loglevel',
      'INFO',
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
    ],
    { env, cwd: celeryDir },
  );
  try {
    await worker.waitFor(/ready\./, 120_000);
    const driver = startProcess(
      'celery producer',
      peers.python,
      [
        'drive.py',
        '--n',
        String(options.n),
        '--window',
        String(options.window),
        '--latency-n',
        String(options.latencyN),
        '--worker-pgid',
        String(worker.pid),
        '--timeout',
        String(Math.round(options.timeoutMs / 1000)),
      ],
      { env, cwd: celeryDir },
    );
    const code = await deadline(driver.exited, options.timeoutMs + 30_000, `celery end to end (${options.label})`).finally(() => driver.stop());
    const line = driver.tail.lines
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .pop();
    const r = line
      ? (JSON.parse(line) as {
          seconds?: number;
          p50_ms?: number;
          p99_ms?: number;
          cpu_ms?: number;
          unloaded_p50_ms?: number;
          unloaded_p99_ms?: number;
          error?: string;
        })
      : undefined;
    if (code !== 0 || !r || r.error || r.seconds === undefined) {
      throw new Error(
        `celery producer failed (exit ${code}): ${r?.error ?? driver.tail.lines.slice(-10).join('\n')}\nworker:\n${worker.tail.lines.slice(-10).join('\n')}`,
      );
    }
    return {
      system: `Celery ${peers.celeryVersion.split(' ')[0]}`,
      sqs: options.label,
      results: options.results,
      tasksPerSecond: options.n / r.seconds,
      p50Ms: r.p50_ms!,
      p99Ms: r.p99_ms!,
      cpuMsPerTask: r.cpu_ms! / options.n,
      unloadedP50Ms: r.unloaded_p50_ms ?? Number.NaN,
      unloadedP99Ms: r.unloaded_p99_ms ?? Number.NaN,
    };
  } finally {
    await worker.stop();
  }
}

/** Starts fauxqs in a child process; resolves with its endpoint. */
export async function startFauxqs(): Promise<{ process: BenchProcess; endpoint: string }> {
  const proc = startProcess('fauxqs', process.execPath, ['--import', 'tsx', join(celeryDir, '..', 'lib', 'fauxqs-server.ts')]);
  const match = await proc.waitFor(/fauxqs listening on (http:\/\/\S+)/, 30_000);
  return { process: proc, endpoint: match[1]! };
}
