import { describe, expect, it } from 'vitest';
import { itemBytes, writeUnits } from '../../bench/lib/item-size.js';
import { markdownTable, percentile } from '../../bench/lib/report.js';
import { BENCH_END, BENCH_START, replaceBenchSection } from '../../bench/lib/results-file.js';
import { measureOverhead } from '../../bench/sdk-overhead.js';

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
