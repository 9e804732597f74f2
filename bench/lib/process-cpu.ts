import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second of `/proc/<pid>/stat`'s times (`getconf CLK_TCK`: 100 on Linux on x86 and Arm). */
const TICKS_PER_SECOND = 100;

/**
 * The fields of one `/proc/<pid>/stat` line that the CPU figures use: process group, and user + system
 * ticks of the process itself and of its children it has waited for.
 * @throws {Error} when the line is not a stat line.
 */
export function parseProcStat(line: string): { pgrp: number; ticks: number } {
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const close = line.lastIndexOf(')');
  if (close === -1) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  const fields = line.slice(close + 2).split(' '); // fields[0] is field 3 (state)
  const at = (n: number) => Number(fields[n - 3]);
  return { pgrp: at(5), ticks: at(14) + at(15) + at(16) + at(17) };
}

/**
 * CPU milliseconds (user + system, from the OS) used so far by every live process of process group
 * `pgid`, children it has reaped included. Sampled before and after a run, the difference is the
 * group's CPU over the run (a process of the group that exits in between without being reaped by
 * another member is lost; the bench's worker processes live for the whole run). Linux only.
 * @throws {Error} when `/proc` cannot be read (not Linux).
 */
export function processGroupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: { pgrp: number; ticks: number };
    try {
      stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
    } catch {
      continue; // exited since the listing
    }
    if (stat.pgrp === pgid) ticks += stat.ticks;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
