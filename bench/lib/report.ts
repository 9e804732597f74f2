/** Percentile (nearest rank) of `values`, or NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A number with `digits` significant decimals, thousands separated; "—" for NaN. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio such as `0.93×`. */
export function ratio(value: number, base: number): string {
  return base > 0 && Number.isFinite(value) ? `${(value / base).toFixed(2)}×` : '—';
}

/** One bench's output: a title, a markdown table and notes. */
export interface BenchTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
}

/** Renders a table as GitHub markdown. */
export function markdownTable(table: BenchTable): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [
    `| ${table.header.map(esc).join(' | ')} |`,
    `|${table.header.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** Renders a bench section: heading, table, notes. */
export function markdownSection(table: BenchTable): string {
  const notes = (table.notes ?? []).map((n) => `- ${n}`).join('\n');
  return `### ${table.title}\n\n${markdownTable(table)}\n${notes ? `\n${notes}\n` : ''}`;
}
