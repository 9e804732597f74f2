import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsTransport } from '../../sdk/aws/index.js';
import { provisionLocalResources } from '../../sdk/dev/index.js';
import { createApp, type TaskOptions } from '../../sdk/index.js';
import { deadline, removeAppResources, type BenchContext, type SqsTarget } from './context.js';
import { processGroupCpuMs } from './process-cpu.js';
import { startProcess } from './processes.js';
import { percentile } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One system's figures in the end-to-end bench. */
export interface Throughput {
  readonly system: string;
  readonly sqs: string;
  /** Where results are stored; `none` when the task keeps none. */
  readonly results: 'redis' | 'dynamodb' | 'none';
  readonly tasksPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU (user + system) of the worker's processes over the timed run, per task, in ms. */
  readonly cpuMsPerTask: number;
  /** Enqueue → result stored, one task at a time. */
  readonly unloadedP50Ms: number;
  readonly unloadedP99Ms: number;
  readonly error?: string;
}

/** The ways celeriac runs the no-op task in this bench: DynamoDB writes a task 2 (4 write units), 2 (2 units), 0. */
export const CELERIAC_MODES = {
  default: { system: 'celeriac', options: {} },
  unlisted: { system: 'celeriac, `listed: false`', options: { listed: false } },
  lean: { system: 'celeriac, lean (`ignoreResult` + `duplicateProtection: false`)', options: { ignoreResult: true, duplicateProtection: false } },
} as const satisfies Record<string, { system: string; options: TaskOptions }>;

/** A key of {@link CELERIAC_MODES}. */
export type CeleriacMode = keyof typeof CELERIAC_MODES;

/** Settings of one system's end-to-end run. */
export interface RunOptions {
  readonly n: number;
  readonly window: number;
  /** Tasks sent one at a time after the timed run, for the unloaded latency. */
  readonly latencyN: number;
  readonly timeoutMs: number;
}

/**
 * celeriac end to end: `applyAsync()` from this process; the worker (local runtime + Lambda handler) in
 * a process of its own (`celeriac-worker.ts`), which reports each task once its SUCCESS record is written
 * (or, with `ignoreResult`, once the body returned). CPU is read from `/proc` for the worker's process group.
 */
export async function celeriacThroughput(
  ctx: BenchContext,
  target: SqsTarget,
  options: RunOptions & { pollers: number; mode: CeleriacMode },
): Promise<Throughput> {
  const { mode } = options;
  // App names are at most 40 characters (they prefix AWS resource names).
  const app = createApp({ name: `${ctx.prefix}-${target.label.slice(0, 6)}-${mode.slice(0, 4)}-${randomUUID().slice(0, 4)}` });
  const noop = app.task('bench.noop', async () => null, CELERIAC_MODES[mode].options);
  const sqs = await target.sqs();
  const dynamodb = new DynamoDBClient({});
  const queues = await provisionLocalResources(app, { sqs, dynamodb });
  app.useTransport(awsTransport(app, { sqs, dynamodb, queueUrls: Object.fromEntries(queues.map((q) => [q.queueName, q.url])) }));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done = 0;
  let wake: (() => void) | undefined;
  const worker = startProcess('celeriac worker', process.execPath, ['--import', 'tsx', join(here, 'celeriac-worker.ts')], {
    env: {
      ...process.env,
      BENCH_APP_NAME: app.name,
      BENCH_TASK_OPTIONS: JSON.stringify(CELERIAC_MODES[mode].options),
      BENCH_POLLERS: String(options.pollers),
      ...(target.endpoint !== ctx.endpoint ? { AWS_ENDPOINT_URL_SQS: target.endpoint } : {}),
    },
    onLine: (line) => {
      const m = /^done (\S+) (\d+)$/.exec(line);
      if (!m) return;
      const at = sentAt.get(m[1]!);
      if (at === undefined) return;
      sentAt.delete(m[1]!);
      latencies.push(Number(m[2]) - at);
      done += 1;
      wake?.();
    },
  });
  const failures: unknown[] = [];
  const drive = async (count: number, window: number) => {
    done = 0;
    latencies.length = 0;
    let sent = 0;
    const t0 = performance.now();
    while (done < count) {
      while (sent < count && sent - done < window) {
        const id = randomUUID();
        sentAt.set(id, Date.now());
        sent += 1;
        noop.applyAsync([], { taskId: id }).catch((error: unknown) => failures.push(error));
      }
      if (failures.length) throw failures[0];
      await Promise.race([
        new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1000);
        }),
        worker.exited.then((code) => Promise.reject(new Error(`celeriac worker exited (code ${code}):\n${worker.tail.lines.slice(-10).join('\n')}`))),
      ]);
    }
    return (performance.now() - t0) / 1000;
  };
  try {
    await worker.waitFor(/^ready$/, 120_000);
    await deadline(drive(Math.min(50, options.n), options.window), options.timeoutMs, 'celeriac warm-up');
    const cpu0 = processGroupCpuMs(worker.pid);
    const seconds = await deadline(drive(options.n, options.window), options.timeoutMs, `celeriac end to end (${target.label})`);
    const cpuMsPerTask = (processGroupCpuMs(worker.pid) - cpu0) / options.n;
    const p50Ms = percentile(latencies, 50);
    const p99Ms = percentile(latencies, 99);
    await deadline(drive(options.latencyN, 1), options.timeoutMs, `celeriac one task at a time (${target.label})`);
    return {
      system: CELERIAC_MODES[mode].system,
      sqs: target.label,
      results: mode === 'lean' ? 'none' : 'dynamodb',
      tasksPerSecond: options.n / seconds,
      p50Ms,
      p99Ms,
      cpuMsPerTask,
      unloadedP50Ms: percentile(latencies, 50),
      unloadedP99Ms: percentile(latencies, 99),
    };
  } finally {
    await worker.stop();
    await app.close();
    await removeAppResources(app, queues, sqs, dynamodb);
  }
}
