import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EMULATOR_VENV_DIR, ensureMotoInstalled, findFreePort } from '../../sdk/dev/emulator/index.js';
import { EMULATOR_FILES, type DevEmulatorRecord } from '../../sdk/dev/emulator/background.js';
import { eventually } from './worker-harness.js';

const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'sdk/cli/main.ts');
const TSX = import.meta.resolve('tsx');

/** A running `celeriac dev` (or `--watch`) process in a {@link DevProject}, with what it printed so far. */
export interface DevProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Waits for `pattern` in the output printed after `from` (an offset into it). */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** A throwaway user project (package.json, an app module, its own `.celeriac/`) with its own dev emulator. */
export interface DevProject {
  readonly dir: string;
  readonly emulatorPort: number;
  /** Writes a file of the project (creating its folder). */
  write(path: string, text: string): void;
  /** Starts `celeriac <args>` in the project as a long-running process (no AWS_ENDPOINT_URL). */
  start(...args: string[]): DevProcess;
  /** Runs `celeriac <args>` in the project to completion. */
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The running emulator's record, if any. */
  emulator(): DevEmulatorRecord | undefined;
  /** Stops every emulator this project started (by PID) and every process started here, then deletes it. */
  dispose(): Promise<void>;
}

/**
 * Creates a project in a temporary folder whose `.celeriac/emulator-venv` is this repository's (no second
 * install), and whose dev emulator listens on a free port.
 */
export async function createDevProject(files: Readonly<Record<string, string>>): Promise<DevProject> {
  await ensureMotoInstalled({ projectRoot: REPO });
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-project-'));
  mkdirSync(join(dir, '.celeriac'));
  symlinkSync(join(REPO, EMULATOR_VENV_DIR), join(dir, EMULATOR_VENV_DIR));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text.replaceAll('@celeriac', join(REPO, 'sdk/index.ts')));
  const emulatorPort = await findFreePort();
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, CELERIAC_EMULATOR_PORT: String(emulatorPort) };
    delete e.AWS_ENDPOINT_URL;
    delete e.CELERIAC_PROJECT_ROOT;
    return e;
  };
  const processes: ChildProcess[] = [];
  const emulatorPids = new Set<number>();
  const emulator = (): DevEmulatorRecord | undefined => {
    try {
      const record = JSON.parse(readFileSync(join(dir, '.celeriac', EMULATOR_FILES.record), 'utf8')) as DevEmulatorRecord;
      emulatorPids.add(record.pid);
      return record;
    } catch {
      return undefined;
    }
  };
  return {
    dir,
    emulatorPort,
    write: (path, text) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text.replaceAll('@celeriac', join(REPO, 'sdk/index.ts')));
    },
    emulator,
    start(...args) {
      const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      processes.push(child);
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      return {
        child,
        output: () => text,
        waitFor: (pattern, timeoutMs = 60_000, from = 0) =>
          eventually(
            () =>
              pattern.exec(text.slice(from)) ??
              (child.exitCode !== null ? Promise.reject(new Error(`exited ${child.exitCode} before ${pattern}:\n${text}`)) : undefined),
            timeoutMs,
            `${pattern} in:\n${text}`,
          ),
        kill: async (signal) => {
          emulator();
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
    },
    run: (...args) =>
      new Promise((done) => {
        execFile(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: dir, env: env(), timeout: 90_000 }, (error, stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    async dispose() {
      emulator();
      for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const pid of emulatorPids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already stopped
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
