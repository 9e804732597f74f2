import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itemBytes, writeUnits } from '../../bench/lib/item-size.js';
import { parseProcStat, processGroupCpuMs } from '../../bench/lib/process-cpu.js';
import { markdownTable, percentile } from '../../bench/lib/report.js';
import { BENCH_END, BENCH_START, replaceBenchSection } from '../../bench/lib/results-file.js';
import { measureOverhead } from '../../bench/sdk-overhead.js';
import { targetsTable } from '../../bench/targets.js';

describe('bench results file', () => {
  it('replaces only the text between the bench markers', () => {
    const text = `# Results\n\nsoak notes\n\n${BENCH_START}\nold figures\n${BENCH_END}\n\n## Soak\nkept\n`;

    const out = replaceBenchSection(text, 'new figures');

    expect(out).toBe(`# Results\n\nsoak notes\n\n${BENCH_START}\nnew figures\n${BENCH_END}\n\n## Soak\nkept\n`);
  });

  it('appends the markers to a file that has none, keeping its content', () => {
    expect(replaceBenchSection('## Soak\nkept\n', 'figures')).toBe(`## Soak\nkept\n\n${BENCH_START}\nfigures\n${BENCH_END}\n`);
    expect(replaceBenchSection('', 'figures')).toBe(`${BENCH_START}\nfigures\n${BENCH_END}\n`);
  });

  it('refuses markers out of order or repeated', () => {
    expect(() => replaceBenchSection(`${BENCH_END}\n${BENCH_START}\n`, 'x')).toThrow(/exactly one/);
    expect(() => replaceBenchSection(`${BENCH_START}\n${BENCH_END}\n${BENCH_START}\n${BENCH_END}\n`, 'x')).toThrow(/exactly one/);
    expect(() => replaceBenchSection(`${BENCH_START}\n`, 'x')).toThrow(/exactly one/);
  });
});

describe('bench figures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });

  it('sizes DynamoDB items by names and values, one write unit per started KB', () => {
    const item = { id: { S: 'abc' }, state: { S: 'SUCCESS' }, retries: { N: '0' }, result: { M: { ok: { BOOL: true } } } };
    // id 2+3, state 5+7, retries 7+1, result 6 + (3 + 1 + 2 + 1)
    expect(itemBytes(item)).toBe(5 + 12 + 8 + 13);
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
  });

  it('renders a markdown table, escaping pipes', () => {
    expect(markdownTable({ title: 't', header: ['a', 'b'], rows: [['1', 'x|y']] })).toBe('| a | b |\n|---|---|\n| 1 | x\\|y |');
  });

  it('measures the SDK overhead of enqueue and worker paths in memory', async () => {
    const m = await measureOverhead(200);
    expect(m.enqueueCpuUs).toBeGreaterThan(0);
    expect(m.workerCpuUs).toBeGreaterThan(0);
  });
});

describe('bench CPU and targets', () => {
  it('reads the process group and user + system ticks (children included) from a /proc stat line', () => {
    // A command name with spaces and a ')' in it; fields 14–17 are utime, stime, cutime, cstime.
    const line = '4242 (node (worker) x) S 1 4240 4240 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0 9999 1000000 5000 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pgrp: 4240, ticks: 250 + 50 + 7 + 3 });
    expect(() => parseProcStat('garbage')).toThrow(/stat line/);
  });

  it('counts CPU of this process group, growing as it works', () => {
    const pgid = Number(
      readFileSync('/proc/self/stat', 'utf8')
        .slice(readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2)
        .split(' ')[2],
    );
    const before = processGroupCpuMs(pgid);
    const until = Date.now() + 150;
    while (Date.now() < until); // burn CPU
    expect(processGroupCpuMs(pgid)).toBeGreaterThan(before);
  });

  it('says met or missed for each target against its baseline, and "not measured" when a bench did not run', () => {
    const run = (system: string, results: 'dynamodb' | 'none', tasksPerSecond: number, cpuMsPerTask: number) => ({
      system,
      sqs: 'moto',
      results,
      tasksPerSecond,
      p50Ms: 1,
      p99Ms: 1,
      cpuMsPerTask,
      unloadedP50Ms: 1,
      unloadedP99Ms: 1,
      slowest: 1,
      fastest: 1,
    });
    const table = targetsTable({
      e2e: {
        main: 'moto',
        throughput: { title: '', header: [], rows: [] },
        latency: { title: '', header: [], rows: [] },
        results: [
          run('celeriac', 'dynamodb', 50, 2),
          run('celeriac, lean (x)', 'none', 200, 1),
          run('Celery 5.7.0', 'dynamodb', 30, 5),
          run('Celery 5.7.0', 'none', 100, 3),
        ],
      },
      cold: { oneTaskBytes: 100 * 1024, oneTaskImportMs: 160, oneTaskImportCpuMs: 100, exampleBytes: 1, exampleImportMs: 1 },
    });
    const verdicts = table.rows.map((r) => r.at(-1));
    // 50/30 = 1.67× < 2×; 200/30 = 6.7× ≥ 3×; 200/100 = 2× < 3×; CPU 2/5 = 0.4 ≤ 0.5; 100 KB ≤ 120; 160 ms > 150; $ not run.
    expect(verdicts).toEqual(['**missed**', '**met**', '**missed**', '**met**', '**met**', '**missed**', 'not measured']);
  });
});
