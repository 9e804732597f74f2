import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SoakReport } from './soak.js';

export const SOAK_START = '<!-- soak:start -->';
export const SOAK_END = '<!-- soak:end -->';

const n = (value: number) => value.toLocaleString('en-US');

/** The soak report as a Markdown section. */
export function formatSoakReport(report: SoakReport, command: string): string {
  const o = report.options;
  const r = report.runs;
  const seconds = report.durationMs / 1000;
  const total = report.enqueued;
  const lines = [
    `## Soak: ${n(total)} tasks under faults`,
    '',
    ...(report.stoppedEarly
      ? [
          `**Stopped early**: ${n(o.tasks)} tasks were asked for; the producer stopped at its deadline after ${n(total)}, and the run drained and counted those.`,
          '',
        ]
      : []),
    `Measured ${report.startedAt} with \`${command}\` on the embedded moto emulator (2-core shared machine): ` +
      `${o.workers} local-runtime worker processes × ${o.concurrency} pollers, every AWS call through the fault proxy ` +
      `(\`test/faults/fault-proxy.ts\`). Took ${seconds.toFixed(0)} s (enqueueing ${(report.produceMs / 1000).toFixed(0)} s, ` +
      `${(total / (report.produceMs / 1000)).toFixed(0)} tasks/s end to end while producing); moto, on a machine shared with other ` +
      'jobs, is the bottleneck.',
    '',
    '| faults injected | count |',
    '|---|---|',
    `| worker processes killed with SIGKILL mid-run (and restarted) | ${n(report.kills.length)} |`,
    `| endpoint cuts (every connection reset, new ones refused) | ${n(report.cuts.length)}, ${report.cuts.map((c) => `${(c.ms / 1000).toFixed(1)} s`).join(', ') || '—'} |`,
    `| calls answered 400 ThrottlingException / 503 by the proxy | ${n(report.proxy.throttled)} / ${n(report.proxy.unavailable)} (of ${n(report.proxy.requests)} calls) |`,
    `| calls delayed (up to ${o.latencyMs} ms) | ${n(report.proxy.delayed)} |`,
    `| envelopes re-sent (duplicate deliveries injected) | ${n(report.duplicatesInjected)} |`,
    `| connections cut / refused while down | ${n(report.proxy.connectionsCut)} / ${n(report.proxy.connectionsRefused)} |`,
    '',
    '| outcome | count |',
    '|---|---|',
    `| enqueued (\`applyAsync\` resolved, plus hand-sent poison) | ${n(report.enqueued)} |`,
    `| \`applyAsync\` rejected with a retryable \`EnqueueError\`, re-sent with the same task id | ${n(report.enqueueRetries)} |`,
    `| \`applyAsync\` rejected for good | ${n(report.enqueueFailed)} |`,
    `| SUCCESS | ${n(report.succeeded)} |`,
    `| FAILURE by design (\`DesignedFailure\`, one task in ${o.failEvery}) | ${n(report.failedByDesign)} |`,
    `| FAILURE \`UNKNOWN_TASK\` (hand-sent poison, one in ${o.poisonEvery}), each in the DLQ | ${n(report.rejectedPoison)} (DLQ holds ${n(report.deadLetters)}) |`,
    `| any other non-success record | ${n(report.otherNonSuccess.length)} |`,
    `| **lost** (no final record) | **${n(report.lost.length)}** |`,
    '',
    '| body executions (ledger: one `run` line per execution, `bench/soak/soak-app.ts`) | count |',
    '|---|---|',
    `| tasks not hit by a kill that ran exactly once | ${n(r.exactlyOnce)} |`,
    `| tasks hit by a kill while running (body started, record not written by the killed process) | ${n(r.hitByKill)} |`,
    `| of those, run again once per kill that hit them | ${n(r.rerunOncePerKill)} |`,
    `| of those, not run again (the record landed before the kill) | ${n(r.notRerun)} |`,
    `| tasks retried by the worker (out of invocation time under load), a run per retry | ${n(r.rerunByRetry ?? 0)} |`,
    `| tasks run again because a run's record could not be written before its invocation ended (outage) | ${n(r.rerunAfterUnrecorded ?? 0)} |`,
    `| duplicate deliveries acknowledged without running (injected and moto's own) | ${n(report.duplicatesAcknowledged)} |`,
    `| total body executions | ${n(r.totalExecutions)} |`,
    `| **tasks run more often than the kill log allows** | **${n(r.violations.length)}** |`,
    '',
    `Dead letters by reason: ${
      Object.entries(report.deadLettersByReason ?? {})
        .map(([reason, d]) => `${reason} ${n(d.messages)} message${d.messages === 1 ? '' : 's'} of ${n(d.tasks)} task${d.tasks === 1 ? '' : 's'}`)
        .join('; ') || 'none'
    }.`,
    `Kills (pid at ms → tasks hit): ${report.kills.map((k) => `${k.pid}@${k.atMs}→${k.tasksHit}`).join(', ') || 'none'}.`,
    `Worker internal errors (message left on the queue, retried): ${
      Object.entries(report.workerErrors)
        .map(([code, count]) => `${code} ×${count}`)
        .join(', ') || 'none'
    }.`,
  ];
  if (report.otherNonSuccess.length) {
    lines.push('', 'Other non-success records:', ...report.otherNonSuccess.slice(0, 20).map((x) => `- ${x.id}: ${x.state}: ${x.reason}`));
  }
  if (report.lost.length) lines.push('', `Lost: ${report.lost.slice(0, 20).join(', ')}${report.lost.length > 20 ? ' …' : ''}`);
  if (r.violations.length) {
    lines.push('', 'Violations:', ...r.violations.slice(0, 20).map((v) => `- ${v.id}: ${v.runs} runs, ${v.killHits} kill hits, state ${v.state}`));
  }
  return lines.join('\n');
}

/** Replaces the soak section of a results file (between the soak markers), adding the markers at the end if missing. */
export function writeSoakSection(path: string, markdown: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const section = `${SOAK_START}\n${markdown}\n${SOAK_END}`;
  const start = text.indexOf(SOAK_START);
  const end = text.indexOf(SOAK_END);
  const next = start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + SOAK_END.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
