import { spawn } from 'node:child_process';

/** Outcome of a finished child process, with the last lines it printed. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines of combined stdout + stderr (at most `tailLines`). */
  tail: string[];
}

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with every non-empty output line (stdout and stderr), as it arrives. */
  onLine?: (line: string) => void;
  /** How many trailing lines to keep for error messages. Defaults to 40. */
  tailLines?: number;
}

/**
 * Keeps the last `max` lines of one or more output streams, splitting on newlines and
 * carriage returns (pip's progress redraws use `\r`).
 *
 * @example
 * const tail = new LineTail(20, (l) => console.log(l));
 * child.stderr.on('data', (chunk) => tail.push(chunk));
 */
export class LineTail {
  readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly max: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** Feeds a chunk of output. */
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.add(part);
  }

  /** Flushes a trailing line that had no newline. */
  end(): void {
    if (this.partial !== '') this.add(this.partial);
    this.partial = '';
  }

  /** The kept lines joined for display. */
  toString(): string {
    return this.lines.join('\n');
  }

  private add(raw: string): void {
    const line = raw.trimEnd();
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.onLine?.(line);
  }
}

/**
 * Runs a command to completion, streaming its output lines and keeping a tail for errors.
 *
 * Resolves with the exit code/signal whatever it is; rejects only when the process cannot be
 * spawned at all (the rejection carries the Node error `code`, e.g. `ENOENT`).
 *
 * @throws {NodeJS.ErrnoException} when the executable cannot be started.
 * @example
 * const { code, tail } = await runProcess('python3', ['--version']);
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const tail = new LineTail(options.tailLines ?? 40, options.onLine);
    let child;
    try {
      child = spawn(command, args, {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(error);
      return;
    }
    child.stdout.on('data', (chunk: Buffer) => tail.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      tail.end();
      resolve({ code, signal, tail: tail.lines });
    });
  });
}
