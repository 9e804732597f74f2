import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/** Opening marker of the section `npm run bench` owns in `bench/RESULTS.md`. */
export const BENCH_START = '<!-- bench:start -->';
/** Closing marker of that section. */
export const BENCH_END = '<!-- bench:end -->';

/**
 * Replaces what lies between the bench markers of `text` with `section`, leaving everything else as
 * it is; appends the markers (after a blank line) when `text` has none.
 * @throws {Error} when the markers are out of order or repeated: the file needs a person's look.
 */
export function replaceBenchSection(text: string, section: string): string {
  const body = `${BENCH_START}\n${section.trim()}\n${BENCH_END}`;
  const start = text.indexOf(BENCH_START);
  const end = text.indexOf(BENCH_END);
  if (start === -1 && end === -1) {
    const base = text.trimEnd();
    return `${base}${base ? '\n\n' : ''}${body}\n`;
  }
  if (start === -1 || end === -1 || end < start || text.indexOf(BENCH_START, start + 1) !== -1 || text.indexOf(BENCH_END, end + 1) !== -1) {
    throw new Error(`bench/RESULTS.md: expected exactly one ${BENCH_START} … ${BENCH_END} pair in order; fix the markers by hand`);
  }
  return text.slice(0, start) + body + text.slice(end + BENCH_END.length);
}

/** Writes `section` between the bench markers of the file at `path`, creating the file when missing. */
export async function writeBenchSection(path: string, section: string): Promise<void> {
  const text = existsSync(path) ? await readFile(path, 'utf8') : '# Benchmark results\n';
  await writeFile(path, replaceBenchSection(text, section));
}
