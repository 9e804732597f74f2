import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LineTail } from '../../sdk/dev/emulator/run-process.js';

/** A child process the bench started, in its own process group, stopped by its PID. */
export interface BenchProcess {
  readonly pid: number;
  readonly name: string;
  /** Last lines of its output. */
  readonly tail: LineTail;
  /** Resolves with the first output line matching `pattern`, or rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves with the exit code once it exits by itself. */
  readonly exited: Promise<number | null>;
}

const started = new Set<BenchProcess>();

/** Starts `command` with its own process group (so its children stop with it), stdout+stderr kept in a tail and passed to `onLine`. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): BenchProcess {
  const child: ChildProcess = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const tail = new LineTail(60, (line) => {
    options.onLine?.(line);
    for (const w of [...waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stdout!.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => tail.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const proc: BenchProcess = {
    pid,
    name,
    tail,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const found = tail.lines.map((l) => l.match(pattern)).find(Boolean);
        if (found) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms; last output:\n${tail.lines.slice(-20).join('\n')}`)),
          timeoutMs,
        );
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before printing ${pattern}; last output:\n${tail.lines.slice(-20).join('\n')}`));
        });
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    async stop(graceMs = 5_000) {
      started.delete(proc);
      if (!running) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Children of the group (e.g. Celery's pool) may outlive the leader for a moment.
      signalGroup(pid, 'SIGKILL');
    },
  };
  started.add(proc);
  return proc;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops every process the bench started and has not stopped yet (on exit, error or Ctrl-C). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop(2_000)));
}

/** Synchronous last resort for `process.on('exit')`: SIGKILL to each started process group. */
export function killAllProcessesSync(): void {
  for (const p of started) signalGroup(p.pid, 'SIGKILL');
}

/** Runs a command to completion (inherits nothing), returning its status and output. */
export function runSync(command: string, args: readonly string[], timeoutMs = 600_000): { ok: boolean; output: string } {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: out.status === 0, output: `${out.stdout ?? ''}${out.stderr ?? ''}` };
}

/** True when `path` exists and is a file we can run. */
export function haveExecutable(path: string): boolean {
  return existsSync(path);
}
