/**
 * `npm run bench`: the benchmark suite against a fresh embedded emulator (or `AWS_ENDPOINT_URL`).
 * Prints one table per bench, each with its baseline measured in the same run, and writes them
 * between the bench markers of bench/RESULTS.md. `npm run bench -- --help` lists the flags.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyLocalAwsEnv, MOTO_VERSION, resolveEndpoint } from '../sdk/dev/emulator/index.js';
import { benchAwsCalls } from './aws-calls.js';
import { benchColdStart } from './cold-start.js';
import { benchEndToEnd, startFauxqs } from './end-to-end.js';
import { benchEnqueue } from './enqueue.js';
import { shortId, sqsTarget, type BenchContext } from './lib/context.js';
import { ensurePeers, type Peers } from './lib/peers.js';
import { killAllProcessesSync, stopAllProcesses } from './lib/processes.js';
import { markdownSection, type BenchTable } from './lib/report.js';
import { writeBenchSection } from './lib/results-file.js';
import { benchOverhead } from './sdk-overhead.js';
import { targetsTable, type TargetFigures } from './targets.js';
import { measureWriteUnits, writeUnitsTable } from './write-units.js';
import { isLocalStackInstalled, LOCALSTACK_REQUIREMENT, startLocalStack } from '../test/helpers/localstack.js';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES = ['enqueue', 'e2e', 'calls', 'units', 'cold', 'overhead'] as const;
type BenchName = (typeof BENCHES)[number];

const HELP = `npm run bench -- [flags]

  --only LIST             benches to run, comma-separated: ${BENCHES.join(',')} (default: all)
  --enqueue-n N           messages each way in the enqueue bench (5000)
  --enqueue-moto-n N      at most this many on moto, whose queues slow as they deepen (1000)
  --enqueue-rounds R      rounds of the three enqueue ways, median reported (3)
  --concurrency C         requests in flight for the raw enqueue ways (16)
  --e2e-n N               tasks per system end to end (2000)
  --e2e-rounds R          rounds the end-to-end systems alternate in, median reported (3)
  --window W              most unfinished tasks at once end to end (100)
  --latency-n N           tasks sent one at a time after each end-to-end run (50)
  --pollers P             celeriac local-runtime pollers end to end (4)
  --celery-concurrency C  Celery prefork processes (2)
  --calls-n N             tasks per scenario in the AWS-calls bench (100)
  --cold-runs R           fresh processes per bundle in the cold-start bench (10)
  --overhead-n N          tasks in the SDK-overhead bench (20000)
  --timeout-s S           time limit of each bench (600)
  --no-celery             skip the Celery peers (no venv, no apt-get, no redis-server)
  --no-fauxqs             skip the fauxqs comparison
  --no-localstack         skip the LocalStack SQS rows (run only when LocalStack is installed:
                          node --import tsx test/helpers/localstack.ts install)
  --no-install            never install the peers (bench venv, apt-get); skip Celery when missing
  --no-write              print only; leave bench/RESULTS.md alone
  --results PATH          file to write (bench/RESULTS.md)
`;

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    'enqueue-n': { type: 'string', default: '5000' },
    'enqueue-moto-n': { type: 'string', default: '1000' },
    'enqueue-rounds': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    'e2e-n': { type: 'string', default: '2000' },
    'e2e-rounds': { type: 'string', default: '3' },
    window: { type: 'string', default: '100' },
    'latency-n': { type: 'string', default: '50' },
    pollers: { type: 'string', default: '4' },
    'celery-concurrency': { type: 'string', default: '2' },
    'calls-n': { type: 'string', default: '100' },
    'cold-runs': { type: 'string', default: '10' },
    'overhead-n': { type: 'string', default: '20000' },
    'timeout-s': { type: 'string', default: '600' },
    'no-celery': { type: 'boolean', default: false },
    'no-fauxqs': { type: 'boolean', default: false },
    'no-localstack': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    results: { type: 'string', default: join(here, 'RESULTS.md') },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

function int(name: keyof typeof flags, min: number, max: number): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be an integer ${min}–${max}, received ${JSON.stringify(flags[name])}`);
    process.exit(2);
  }
  return value;
}
const settings = {
  enqueueN: int('enqueue-n', 10, 100_000),
  enqueueMotoN: int('enqueue-moto-n', 10, 100_000),
  enqueueRounds: int('enqueue-rounds', 1, 20),
  concurrency: int('concurrency', 1, 256),
  e2eN: int('e2e-n', 10, 50_000),
  e2eRounds: int('e2e-rounds', 1, 20),
  window: int('window', 1, 5_000),
  latencyN: int('latency-n', 0, 10_000),
  pollers: int('pollers', 1, 64),
  celeryConcurrency: int('celery-concurrency', 1, 32),
  callsN: int('calls-n', 10, 5_000),
  coldRuns: int('cold-runs', 1, 100),
  overheadN: int('overhead-n', 100, 1_000_000),
  timeoutMs: int('timeout-s', 10, 7_200) * 1000,
};
const only = new Set<BenchName>(
  (flags.only ?? BENCHES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      if (!(BENCHES as readonly string[]).includes(s)) {
        console.error(`--only: unknown bench "${s}"; choose from ${BENCHES.join(', ')}`);
        process.exit(2);
      }
      return s as BenchName;
    }),
);

const log = (line: string) => console.error(line);
process.on('exit', killAllProcessesSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`bench: ${signal}, stopping the processes it started…`);
    void stopAllProcesses().finally(() => process.exit(130));
  });
}

const startedAt = new Date();
const loadBefore = loadavg();
const emulator = await resolveEndpoint({ log });
applyLocalAwsEnv(emulator.endpoint);
const fauxqs =
  flags['no-fauxqs'] || !(only.has('enqueue') || only.has('e2e'))
    ? undefined
    : await startFauxqs().catch((error: unknown) => {
        log(`bench: fauxqs did not start, its rows are skipped: ${(error as Error).message}`);
        return undefined;
      });
const wantsLocalStack = !flags['no-localstack'] && (only.has('enqueue') || only.has('e2e'));
if (wantsLocalStack && !isLocalStackInstalled())
  log('bench: LocalStack is not installed, its rows are skipped (node --import tsx test/helpers/localstack.ts install)');
const localstack =
  wantsLocalStack && isLocalStackInstalled()
    ? await startLocalStack({ services: ['sqs'] }).catch((error: unknown) => {
        log(`bench: LocalStack did not start, its rows are skipped: ${(error as Error).message.split('\n')[0]}`);
        return undefined;
      })
    : undefined;
const ctx: BenchContext = {
  endpoint: emulator.endpoint,
  log,
  prefix: `bench-${shortId()}`,
  sqsTargets: [
    sqsTarget(emulator.embedded ? 'moto' : 'endpoint'),
    ...(fauxqs ? [sqsTarget('fauxqs', fauxqs.endpoint)] : []),
    ...(localstack ? [sqsTarget('localstack', localstack.endpoint)] : []),
  ],
};
const sections: BenchTable[] = [];
const figures: TargetFigures = {};
const failures: string[] = [];
const show = (table: BenchTable) => {
  sections.push(table);
  console.log(`\n${markdownSection(table)}`);
};
const attempt = async (name: BenchName, fn: () => Promise<void>) => {
  if (!only.has(name)) return;
  try {
    await fn();
  } catch (error) {
    failures.push(`${name}: ${(error as Error).message}`);
    log(`bench ${name} failed: ${(error as Error).stack ?? error}`);
  }
};

try {
  await attempt('overhead', async () => show(await benchOverhead(ctx, { n: settings.overheadN })));
  await attempt('cold', async () => {
    const cold = await benchColdStart(ctx, { runs: settings.coldRuns });
    show(cold.table);
    figures.cold = cold.figures;
  });
  await attempt('enqueue', async () =>
    show(
      await benchEnqueue(ctx, {
        n: settings.enqueueN,
        motoN: settings.enqueueMotoN,
        rounds: settings.enqueueRounds,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
      }),
    ),
  );
  await attempt('calls', async () => {
    const { calls, cost, figures: perTask } = await benchAwsCalls(ctx, { n: settings.callsN, timeoutMs: settings.timeoutMs });
    show(calls);
    show(cost);
    figures.calls = perTask;
  });
  await attempt('units', async () => {
    ctx.log('bench write-units: one task per scenario, every DynamoDB write priced…');
    figures.units = await measureWriteUnits(`${ctx.prefix}-wcu`);
    show(writeUnitsTable(figures.units));
  });
  await attempt('e2e', async () => {
    let peers: Peers | string = 'disabled with --no-celery';
    if (!flags['no-celery']) {
      try {
        peers = await ensurePeers(log, !flags['no-install']);
      } catch (error) {
        peers = (error as Error).message.split('\n')[0]!;
        log(`bench: ${(error as Error).message}`);
      }
    }
    const e2e = await benchEndToEnd(ctx, {
      n: settings.e2eN,
      window: settings.window,
      latencyN: settings.latencyN,
      rounds: settings.e2eRounds,
      pollers: settings.pollers,
      celeryConcurrency: settings.celeryConcurrency,
      timeoutMs: settings.timeoutMs,
      peers,
    });
    show(e2e.throughput);
    show(e2e.latency);
    figures.e2e = e2e;
  });
} finally {
  await stopAllProcesses();
  await localstack?.stop();
  await emulator.stop();
}

const loadAfter = loadavg();
const argv = process.argv.slice(2).join(' ');
const fauxqsVersion = (() => {
  try {
    return (JSON.parse(readFileSync(join(here, '..', 'node_modules', 'fauxqs', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
})();
const header = [
  `## Benchmarks (\`npm run bench${argv ? ` -- ${argv}` : ''}\`)`,
  '',
  `Run ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s. Machine: ${type()} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${emulator.embedded ? `moto ${MOTO_VERSION} (embedded)` : `endpoint ${emulator.endpoint}`}; fauxqs ${fauxqsVersion}${localstack ? `; ${LOCALSTACK_REQUIREMENT.replace('[runtime]', '')} (no Docker)` : ''}. Load average (1 min) ${loadBefore[0]!.toFixed(2)} at the start, ${loadAfter[0]!.toFixed(2)} at the end.`,
  '',
  "**Read ratios, not absolutes.** Every comparison is measured in the same run, on the same endpoint, against a baseline run next to it. The endpoint is an emulator written in Python, on a shared 2-core machine where other test runs may be going on: absolute rates are the emulator's and the neighbours', not AWS's. Counted requests are exact.",
  ...(failures.length ? ['', `Benches that failed in this run: ${failures.map((f) => `\`${f.split('\n')[0]}\``).join('; ')}`] : []),
].join('\n');
const targets = targetsTable(figures);
console.log(`\n${markdownSection(targets)}`);
const markdown = `${header}\n\n${[targets, ...sections].map(markdownSection).join('\n')}`;
if (!flags['no-write']) {
  await writeBenchSection(flags.results!, markdown);
  log(`bench: wrote ${flags.results}`);
}
if (failures.length) {
  log(`bench: ${failures.length} bench(es) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
