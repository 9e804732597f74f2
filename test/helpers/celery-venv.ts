/**
 * Real Celery for the interop tests: the pinned `celery[sqs]` / `kombu` release installed into
 * `<project>/.celeriac/celery-venv` (ignored by git) on first use, as the emulator's moto venv is.
 * pycurl comes from its manylinux wheel: no build packages are needed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withFileLock } from '../../sdk/emulator/install-lock.js';

/** The pinned packages (the release the wire captures in `test/fixtures/celery/` came from). */
export const CELERY_REQUIREMENTS = ['celery[sqs]==5.7.0', 'kombu==5.7.0', 'pycurl==7.49.0'] as const;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = join(ROOT, '.celeriac', 'celery-venv');
const MARKER = join(VENV, '.celeriac-celery-requirements');
const run = promisify(execFile);

/** The venv's python, with Celery importable; installs it first when missing or out of date. */
export async function ensureCeleryInstalled(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const wanted = CELERY_REQUIREMENTS.join('\n');
  const installed = async () => existsSync(python) && (await readFile(MARKER, 'utf8').catch(() => '')) === wanted;
  if (await installed()) return python;
  await mkdir(dirname(VENV), { recursive: true });
  return withFileLock(`${VENV}.lock`, async () => {
    if (await installed()) return python;
    log(`celeriac: installing Celery (${CELERY_REQUIREMENTS.join(', ')}) into .celeriac/celery-venv for the interop tests (first run only)…`);
    await rm(VENV, { recursive: true, force: true });
    await run('python3', ['-m', 'venv', VENV]);
    await writeFile(join(VENV, '.gitignore'), '*\n');
    await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--only-binary', 'pycurl', ...CELERY_REQUIREMENTS], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await writeFile(MARKER, wanted);
    return python;
  });
}

/** Environment of a Celery process talking to the emulator at `endpoint`. */
export function celeryEnv(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    CELERIAC_ENDPOINT: endpoint,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

/** Runs a script of `test/celery/` with the venv's python; resolves with its stdout. @throws when it exits non-zero or runs past `timeoutMs`. */
export async function runCeleryScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const python = await ensureCeleryInstalled();
  try {
    const { stdout } = await run(python, [join(ROOT, 'test', 'celery', script), ...args], { env, timeout: timeoutMs, cwd: join(ROOT, 'test', 'celery'), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

/** Starts `celery -A <module> worker -P solo` in `test/celery/`; stop it with the returned function. */
export async function startCeleryWorker(module: string, queue: string, env: NodeJS.ProcessEnv): Promise<{ process: ChildProcess; output: string[]; stop(): Promise<void> }> {
  const python = await ensureCeleryInstalled();
  const output: string[] = [];
  const child = spawn(python, ['-m', 'celery', '-A', module, 'worker', '-P', 'solo', '-Q', queue, '--loglevel', 'INFO', '--without-heartbeat', '--without-gossip', '--without-mingle'], {
    cwd: join(ROOT, 'test', 'celery'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return {
    process: child,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
