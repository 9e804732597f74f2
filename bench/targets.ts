import type { CallsPerTask } from './aws-calls.js';
import type { ColdStartFigures } from './cold-start.js';
import type { EndToEndReport, EndToEndResult } from './end-to-end.js';
import { PRICES } from './lib/prices.js';
import { fmt, type BenchTable } from './lib/report.js';
import type { WriteUnitsRow } from './write-units.js';

/** What the benches of one run measured, for the targets table; a bench not run leaves its field empty. */
export interface TargetFigures {
  e2e?: EndToEndReport;
  cold?: ColdStartFigures;
  calls?: readonly CallsPerTask[];
  units?: readonly WriteUnitsRow[];
}

/** The scenario of bench 3 and of `bench:write-units` that is the listed default (with result, listed). */
const DEFAULT_CALLS = 'with result (default)';
const DEFAULT_UNITS = '`math.add(4, 4)`';

const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**missed**');

/**
 * Bench 0: every target of the project against its baseline, measured in this run, each saying met or
 * missed. A target whose bench did not run (or failed) says "not measured".
 */
export function targetsTable(f: TargetFigures): BenchTable {
  const rows: string[][] = [];
  const e2e = f.e2e;
  const pick = (match: (r: EndToEndResult) => boolean) => e2e?.results.find((r) => !r.error && match(r));
  const on = (sqs: string | undefined) => {
    const at = (r: EndToEndResult) => r.sqs === sqs;
    return {
      celeryDynamo: pick((r) => r.system.startsWith('Celery') && at(r) && r.results === 'dynamodb'),
      celeryNone: pick((r) => r.system.startsWith('Celery') && at(r) && r.results === 'none'),
      celeriac: pick((r) => r.system === 'celeriac' && at(r)),
      lean: pick((r) => r.system.startsWith('celeriac, lean') && at(r)),
    };
  };
  const { celeryDynamo, celeryNone, celeriac, lean } = on(e2e?.main);
  const celeryName = celeryDynamo?.system ?? 'Celery 5.7';
  const x = (v: number) => `${v.toFixed(2)}×`;
  const rate = (a: EndToEndResult | undefined, b: EndToEndResult | undefined, want: number, what: string, base: string) => {
    const r = a && b ? a.tasksPerSecond / b.tasksPerSecond : undefined;
    rows.push([
      what,
      `≥ ${want}×`,
      r === undefined ? '—' : `${x(r)} (${fmt(a!.tasksPerSecond, 1)} tasks/s)`,
      b ? `${base}: ${fmt(b.tasksPerSecond, 1)} tasks/s` : `${base}: not run`,
      verdict(r === undefined ? undefined : r >= want),
    ]);
  };
  rate(celeriac, celeryDynamo, 2, `end to end with results, on ${e2e?.main ?? 'the endpoint'}`, `${celeryName}, same SQS + DynamoDB`);
  rate(lean, celeryDynamo, 3, 'end to end lean (`ignoreResult` + `duplicateProtection: false`)', `${celeryName}, same SQS + DynamoDB`);
  rate(lean, celeryNone, 3, 'end to end lean, against Celery without results', `${celeryName}, same SQS, \`ignore_result\``);
  // The same targets on each other SQS endpoint the run measured Celery on (DynamoDB on the main one).
  const others = [...new Set(e2e?.results.map((r) => r.sqs) ?? [])].filter((sqs) => sqs !== e2e?.main && sqs !== 'Redis broker');
  for (const sqs of others) {
    const o = on(sqs);
    if (!o.celeryDynamo) continue;
    const base = `${o.celeryDynamo.system}, same SQS on ${sqs} + DynamoDB`;
    rate(o.celeriac, o.celeryDynamo, 2, `end to end with results, SQS on ${sqs}`, base);
    rate(o.lean, o.celeryDynamo, 3, `end to end lean, SQS on ${sqs}`, base);
    rate(
      o.lean,
      o.celeryNone,
      3,
      `end to end lean, SQS on ${sqs}, against Celery without results`,
      `${o.celeryDynamo.system}, same SQS on ${sqs}, \`ignore_result\``,
    );
  }
  const cpu = celeriac && celeryDynamo ? celeriac.cpuMsPerTask / celeryDynamo.cpuMsPerTask : undefined;
  rows.push([
    'worker CPU per task (user + system, with results)',
    '≤ 0.5×',
    cpu === undefined ? '—' : `${x(cpu)} (${fmt(celeriac!.cpuMsPerTask, 2)} ms)`,
    celeryDynamo ? `${celeryName}, same SQS + DynamoDB: ${fmt(celeryDynamo.cpuMsPerTask, 2)} ms` : `${celeryName}: not run`,
    verdict(cpu === undefined ? undefined : cpu <= 0.5),
  ]);
  const cold = f.cold;
  rows.push([
    'one-task worker bundle (minified ESM)',
    '≤ 120 KB',
    cold ? `${fmt(cold.oneTaskBytes / 1024, 1)} KB` : '—',
    cold ? `worker + the example app: ${fmt(cold.exampleBytes / 1024, 1)} KB` : '—',
    verdict(cold ? cold.oneTaskBytes / 1024 <= 120 : undefined),
  ]);
  rows.push([
    'one-task worker cold import (wall, median)',
    '≤ 150 ms',
    cold ? `${fmt(cold.oneTaskImportMs, 1)} ms (CPU ${fmt(cold.oneTaskImportCpuMs, 1)} ms)` : '—',
    cold ? `worker + the example app: ${fmt(cold.exampleImportMs, 1)} ms` : '—',
    verdict(cold ? cold.oneTaskImportMs <= 150 : undefined),
  ]);
  const units = f.units?.find((u) => u.label === DEFAULT_UNITS);
  const calls = f.calls?.find((c) => c.scenario === DEFAULT_CALLS);
  if (units && calls) {
    // SQS and Lambda as bench 3 counts them (Lambda at its assumed AWS handler time), DynamoDB from bench:write-units.
    const dynamodb = units.total * PRICES.dynamoDbPerMillionWriteUnits;
    const others = calls.dollarsAtAwsSpeed - calls.dollarsBy.dynamodb;
    const total = dynamodb + others;
    rows.push([
      'listed default: $ per million tasks (with result, listed, duplicate protection)',
      '≤ $1.50',
      `$${total.toFixed(2)} (DynamoDB ${units.total} write units a task: $${dynamodb.toFixed(2)}; SQS + Lambda $${others.toFixed(2)})`,
      `unlisted: ${f.units?.find((u) => u.label.includes('listed: false'))?.total ?? '?'} write units a task`,
      verdict(total <= 1.5),
    ]);
  } else {
    rows.push(['listed default: $ per million tasks', '≤ $1.50', '—', '—', verdict(undefined)]);
  }
  return {
    title: '0. Targets, each against its baseline in this run',
    header: ['target', 'goal', 'measured', 'baseline (same run)', ''],
    rows,
    notes: [
      "end-to-end rows from bench 2 (median round, same endpoint); CPU from bench 2's worker CPU column; bundle and import from bench 4 (one-task app); $ per million: DynamoDB write units of the `math.add(4, 4)` task by `npm run bench:write-units` (bench 3c), priced on demand, plus SQS requests and Lambda from bench 3 (handler time capped at its assumed AWS figure)",
    ],
  };
}
