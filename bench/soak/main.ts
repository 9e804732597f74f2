/**
 * `npm run bench:soak -- [--tasks N] [--workers N] [--stop-producing-at ISO-TIME]`: runs the soak (see `soak.ts`) on a
 * private emulator and writes its report between the `<!-- soak:start -->` and `<!-- soak:end -->`
 * markers of `bench/RESULTS.md` (and the raw report as JSON next to the ledger).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSoakReport, writeSoakSection } from './report.js';
import { FULL_SOAK, runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string' },
    workers: { type: 'string' },
    'kill-every-ms': { type: 'string' },
    'cut-every-ms': { type: 'string' },
    'stop-producing-at': { type: 'string' },
    dir: { type: 'string', default: '.celeriac/soak' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
    'no-results': { type: 'boolean', default: false },
  },
});
const num = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text));
const options = {
  ...FULL_SOAK,
  tasks: num(values.tasks, FULL_SOAK.tasks),
  workers: num(values.workers, FULL_SOAK.workers),
  killEveryMs: num(values['kill-every-ms'], FULL_SOAK.killEveryMs),
  cutEveryMs: num(values['cut-every-ms'], FULL_SOAK.cutEveryMs),
  ...(values['stop-producing-at'] ? { stopProducingAt: Date.parse(values['stop-producing-at']) } : {}),
  dir: values.dir!,
  log: (line: string) => console.log(line),
};
const report = await runSoak(options);
const command = `npm run bench:soak -- --tasks ${options.tasks}`;
const markdown = formatSoakReport(report, command);
console.log(markdown);
writeFileSync(join(options.dir, `report-${report.startedAt.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
if (!values['no-results']) writeSoakSection(values.results!, markdown);
const ok = report.lost.length === 0 && report.runs.violations.length === 0 && report.otherNonSuccess.length === 0 && report.enqueueFailed === 0;
process.exit(ok ? 0 : 1);
