import { spawn, type ChildProcess } from 'node:child_process';

/** The outcome of a finished command. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** Resolve with a non-zero exit code instead of rejecting. @default false */
  readonly allowFailure?: boolean;
}

/**
 * Runs a command to its end, as a user would in a terminal (no stdin).
 * @throws {Error} with its output when it exits non-zero (unless `allowFailure`) or outlives `timeoutMs`.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !options.allowFailure) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The environment of a user's shell: this run's, without what `npm test` and vitest add (npm's
 * `npm_*` settings of this repository, vitest's own variables), plus `extra`.
 */
export function userEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|TEST$|NODE_OPTIONS$|CELERIAC_APP_MODULE$)/.test(key) && key !== 'npm_config_cache') continue;
    env[key] = value;
  }
  return { ...env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...extra };
}

/** The output of a running process, to wait on. */
export interface Output {
  /** Everything printed so far, stdout and stderr. */
  text(): string;
  /** Resolves once the output matches `pattern`; rejects after `timeoutMs` or when the process ends first. */
  until(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** Collects a child's output. */
export function waitForOutput(child: ChildProcess): Output {
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    text: () => text,
    until: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            done();
            resolve();
          }
        };
        const exited = () => {
          done();
          reject(new Error(`the process ended before printing ${pattern}:\n${text}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', exited);
        };
        listeners.add(check);
        child.once('exit', exited);
        check();
      }),
  };
}
