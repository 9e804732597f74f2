import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FULL_SOAK, runSoak, type SoakReport } from '../../bench/soak/soak.js';

const dir = join('.celeriac', 'scratch', `soak-ci-${process.pid}`);
// The ledger, kill log and worker logs stay for a failed run (under the ignored .celeriac/).
let passed = false;
afterAll(() => {
  if (passed) rmSync(dir, { recursive: true, force: true });
});

// The CI variant of `npm run bench:soak`: a few hundred tasks, worker processes SIGKILLed and
// restarted, the endpoint cut, throttling and duplicate deliveries; on two private emulators.
describe('soak under faults (CI variant)', () => {
  let report: SoakReport;

  it('ends every task in a recorded state and never runs a body more often than the kills allow', { timeout: 240_000 }, async () => {
    report = await runSoak({
      ...FULL_SOAK,
      tasks: 200,
      workers: 2,
      concurrency: 2,
      // 3 s: the worker aborts a task 1 s before the invocation's end, so 1 s would leave no time to run.
      workerTimeoutSeconds: 3,
      // The first kill comes after 1–3 s; a run that enqueues everything sooner waits for one kill and one cut.
      killEveryMs: 2_000,
      maxKills: 2,
      // Often enough that a fast run still sees a cut (the first comes after 0.75–2.25 s).
      cutEveryMs: 1_500,
      maxCuts: 2,
      cutMs: [500, 1_500],
      maxBacklog: 60,
      lanes: 10,
      throttleFraction: 0.02,
      unavailableFraction: 0.01,
      duplicateFraction: 0.05,
      failEvery: 50,
      poisonEvery: 100,
      drainTimeoutMs: 90_000,
      dir,
      ...(process.env.CELERIAC_SOAK_VERBOSE ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
    });
    expect(report.lost).toEqual([]);
    expect(report.runs.violations).toEqual([]);
    expect(report.otherNonSuccess).toEqual([]);
    expect(report.enqueueFailed).toBe(0);
    expect(report.succeeded + report.failedByDesign + report.rejectedPoison).toBe(200);
    expect(report.failedByDesign).toBe(4);
    expect(report.rejectedPoison).toBe(2);
    expect(report.deadLetters).toBeGreaterThanOrEqual(2);
    // Only the poison is dead-lettered: both poison ids, maybe copied twice (copy, then ack, and a cut between).
    expect(Object.keys(report.deadLettersByReason ?? {})).toEqual(['UNKNOWN_TASK']);
    expect(report.deadLettersByReason?.UNKNOWN_TASK?.tasks).toBe(2);
    // Every task ran once, or again for a reason the run can name: a kill, a retry, an unwritable record.
    const r = report.runs;
    expect(r.exactlyOnce + r.hitByKill + r.rerunByRetry + r.rerunAfterUnrecorded).toBeGreaterThanOrEqual(196);
  });

  it('injected the faults it reports', () => {
    expect(report.kills.length).toBeGreaterThanOrEqual(1);
    expect(report.cuts.length).toBeGreaterThanOrEqual(1);
    expect(report.proxy.throttled + report.proxy.unavailable).toBeGreaterThan(0);
    expect(report.duplicatesInjected).toBeGreaterThan(0);
    expect(report.duplicatesAcknowledged).toBeGreaterThan(0);
    passed = true;
  });
});
