import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaFactoriesModule, writeLambdaEntry } from '../infra/lambda-entry.js';
import type { BenchContext } from './lib/context.js';
import { fmt, median, type BenchTable } from './lib/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Settings of the cold-start bench. */
export interface ColdStartOptions {
  /** Fresh Node processes per bundle. */
  readonly runs: number;
}

/** The banner CDK's bundling adds to ESM output (infra/celeriac-app.ts), so CommonJS dependencies can `require`. */
const ESM_REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Bundles the worker entry the CDK construct generates for `tasksModule`, as it does: ESM, minified, node22, `@aws-sdk/*` left to the Lambda runtime. */
async function bundle(outfile: string, tasksModule: string): Promise<number> {
  const entry = writeLambdaEntry(root, { kind: 'worker', tasksModule, exportName: 'app', factoriesModule: lambdaFactoriesModule(), moduleName: tasksModule });
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: { js: ESM_REQUIRE_SHIM },
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.mjs'))!]!.bytes;
}

/**
 * Wall and CPU milliseconds to import `file` (module init included: the handler is built at import) in
 * a fresh Node process. CPU time is what a busy shared machine disturbs least.
 */
function importMs(file: string): { wall: number; cpu: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const u = process.cpuUsage(c); console.log(performance.now() - t, (u.user + u.system) / 1000);`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' },
    timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr.slice(-1000)}`);
  const [wall, cpu] = out.stdout.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall!, cpu: cpu! };
}

/** Bundle sizes (bytes) and median cold imports (ms) the targets are checked against. */
export interface ColdStartFigures {
  readonly oneTaskBytes: number;
  readonly oneTaskImportMs: number;
  readonly oneTaskImportCpuMs: number;
  readonly exampleBytes: number;
  readonly exampleImportMs: number;
}

/** Bench 4: the worker bundle's size and its cold import time, median of `runs` fresh processes. */
export async function benchColdStart(ctx: BenchContext, options: ColdStartOptions): Promise<{ table: BenchTable; figures: ColdStartFigures }> {
  const dir = join(root, '.celeriac', 'bench');
  mkdirSync(dir, { recursive: true });
  const variants = [
    { name: 'worker + the example app (nodemailer, csv-stringify, zod)', file: join(dir, 'worker-example.mjs'), app: join(root, 'examples/app/tasks.ts') },
    { name: 'worker + a one-task app (the SDK alone)', file: join(dir, 'worker-noop.mjs'), app: join(root, 'bench/apps/noop-app.ts') },
  ];
  const rows: string[][] = [];
  const measured: { bytes: number; wall: number; cpu: number }[] = [];
  for (const v of variants) {
    ctx.log(`bench cold-start: bundling ${v.name}…`);
    const bytes = await bundle(v.file, v.app);
    importMs(v.file); // the first run warms the OS file cache; not counted
    const runs = Array.from({ length: options.runs }, () => importMs(v.file));
    const wall = runs.map((r) => r.wall);
    const cpu = runs.map((r) => r.cpu);
    measured.push({ bytes, wall: median(wall), cpu: median(cpu) });
    rows.push([v.name, `${fmt(bytes / 1024, 1)} KB`, fmt(median(wall), 1), `${fmt(Math.min(...wall), 1)}–${fmt(Math.max(...wall), 1)}`, fmt(median(cpu), 1)]);
  }
  const [example, oneTask] = measured as [(typeof measured)[number], (typeof measured)[number]];
  const figures: ColdStartFigures = {
    oneTaskBytes: oneTask.bytes,
    oneTaskImportMs: oneTask.wall,
    oneTaskImportCpuMs: oneTask.cpu,
    exampleBytes: example.bytes,
    exampleImportMs: example.wall,
  };
  const table: BenchTable = {
    title: '4. Worker cold start',
    header: ['bundle', 'size (minified, ESM)', `import ms, wall (median of ${options.runs})`, 'range', 'import ms, CPU (median)'],
    rows,
    notes: [
      'bundled with esbuild as `CeleriacApp` does (ESM, minified, node22, `@aws-sdk/*` external: the Lambda runtime provides it); import time = `await import()` of the bundle in a fresh Node process, which builds the handler; the AWS SDK clients it imports load from node_modules',
      "targets (one-task app): ≤ 120 KB, ≤ 150 ms here (see the targets table); wall time swings with the machine's load (see the load average above), CPU time much less",
    ],
  };
  return { table, figures };
}
