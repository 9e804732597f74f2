/**
 * LocalStack without Docker, for the LocalStack test run and bench rows: installs
 * `localstack-core[runtime]` into `.celeriac/localstack-venv` (Python 3.13+, found on the PATH or in
 * pyenv) and runs it on 127.0.0.1. Its SQS is what we test; DynamoDB and Scheduler stay on moto.
 *
 * CLI: `node --import tsx test/helpers/localstack.ts install` (CI), `… start` (prints the endpoint, runs
 * until Ctrl-C).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../sdk/dev/emulator/index.js';
import { withFileLock } from '../../sdk/dev/emulator/install-lock.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned LocalStack release (community, no account needed when run as a Python module). */
export const LOCALSTACK_REQUIREMENT = 'localstack-core[runtime]==2026.3.0';
/** Pins its own requirements leave loose, and one they leave out (`service-identity`). */
export const LOCALSTACK_CONSTRAINTS = ['cbor2<6', 'pyopenssl<26', 'cryptography<47'];
const EXTRA_PACKAGES = ['service-identity'];
/** Where the venv lives (ignored by git, like the moto venv). */
export const LOCALSTACK_VENV = path.join(REPO_ROOT, '.celeriac', 'localstack-venv');
const MARKER = path.join(LOCALSTACK_VENV, '.celeriac-installed');
/** Oldest Python it runs on: 2026.3 imports `warnings.deprecated` (3.13); 3.12 fails at start-up. */
const MIN_PYTHON_MINOR = 13;

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`${line}\n`);

/** True when the pinned LocalStack is installed in {@link LOCALSTACK_VENV}. */
export function isLocalStackInstalled(): boolean {
  return existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === markerText();
}

function runs(python: string): boolean {
  return spawnSync(python, ['-c', `import sys; sys.exit(0 if sys.version_info >= (3, ${MIN_PYTHON_MINOR}) else 1)`], { stdio: 'ignore' }).status === 0;
}

function markerText(): string {
  return [LOCALSTACK_REQUIREMENT, ...LOCALSTACK_CONSTRAINTS, ...EXTRA_PACKAGES].join(' ');
}

/**
 * A Python 3.13+ interpreter: `CELERIAC_LOCALSTACK_PYTHON`, then `python3.13`/`python3.14` on the
 * PATH, then the newest pyenv version (`$PYENV_ROOT` or `~/.pyenv`).
 *
 * @throws {Error} when there is none.
 */
export function findPython(): string {
  if (process.env.CELERIAC_LOCALSTACK_PYTHON) return process.env.CELERIAC_LOCALSTACK_PYTHON;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    // A pyenv shim exists for versions that are installed but not selected: ask it to run.
    for (const name of ['python3.14', 'python3.13']) if (dir && existsSync(path.join(dir, name)) && runs(path.join(dir, name))) return path.join(dir, name);
  }
  const versions = path.join(process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv'), 'versions');
  const found = (existsSync(versions) ? readdirSync(versions) : [])
    .map((name) => ({ name, match: /^3\.(\d+)\.(\d+)$/.exec(name) }))
    .filter((entry) => entry.match && Number(entry.match[1]) >= MIN_PYTHON_MINOR)
    .sort((a, b) => Number(b.match![1]) - Number(a.match![1]) || Number(b.match![2]) - Number(a.match![2]))[0];
  if (found) return path.join(versions, found.name, 'bin', 'python3');
  throw new Error(
    `LocalStack ${LOCALSTACK_REQUIREMENT} needs Python 3.${MIN_PYTHON_MINOR}+: install it (e.g. pyenv install 3.13) or set CELERIAC_LOCALSTACK_PYTHON.`,
  );
}

/**
 * Installs the pinned LocalStack into {@link LOCALSTACK_VENV} (first use only; ~1 min, ~500 MB).
 *
 * @throws {Error} when Python 3.13+ is missing or pip fails (its output's tail is in the message).
 * @example
 * await ensureLocalStackInstalled();
 */
export async function ensureLocalStackInstalled(log: Log = defaultLog): Promise<string> {
  const python = path.join(LOCALSTACK_VENV, 'bin', 'python');
  if (isLocalStackInstalled()) return python;
  mkdirSync(path.dirname(LOCALSTACK_VENV), { recursive: true });
  return withFileLock(`${LOCALSTACK_VENV}.lock`, async () => {
    if (isLocalStackInstalled()) return python;
    const base = findPython();
    log(`localstack: installing ${LOCALSTACK_REQUIREMENT} into ${path.relative(process.cwd(), LOCALSTACK_VENV)} with ${base}`);
    rmSync(LOCALSTACK_VENV, { recursive: true, force: true });
    await runChecked(base, ['-m', 'venv', LOCALSTACK_VENV]);
    writeFileSync(path.join(LOCALSTACK_VENV, '.gitignore'), '*\n');
    const constraints = path.join(LOCALSTACK_VENV, 'constraints.txt');
    writeFileSync(constraints, `${LOCALSTACK_CONSTRAINTS.join('\n')}\n`);
    await runChecked(python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-q',
      '-c',
      constraints,
      LOCALSTACK_REQUIREMENT,
      ...EXTRA_PACKAGES,
    ]);
    writeFileSync(MARKER, `${markerText()}\n`);
    return python;
  });
}

function runChecked(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONNOUSERSITE: '1' } });
    let tail = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${tail}`))));
  });
}

/** A LocalStack process on 127.0.0.1. */
export interface RunningLocalStack {
  /** `http://127.0.0.1:<port>`: the gateway every service answers on. */
  readonly endpoint: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a short grace (its SIGTERM can hang for 40 s). */
  stop(): Promise<void>;
}

/**
 * Starts the installed LocalStack on 127.0.0.1 (a free port unless given) with only `services`, and
 * waits until they report available. Queue URLs come back as `http://127.0.0.1:<port>/queue/…`.
 *
 * @throws {Error} when it is not installed, exits, or is not ready within `readyTimeoutMs`.
 * @example
 * const localstack = await startLocalStack({ services: ['sqs'] });
 * try { process.env.AWS_ENDPOINT_URL_SQS = localstack.endpoint; } finally { await localstack.stop(); }
 */
export async function startLocalStack(
  options: { readonly services?: readonly string[]; readonly port?: number; readonly readyTimeoutMs?: number } = {},
): Promise<RunningLocalStack> {
  if (!isLocalStackInstalled())
    throw new Error('LocalStack is not installed: run `node --import tsx test/helpers/localstack.ts install` (or npm run test:localstack).');
  const services = options.services ?? ['sqs'];
  const port = options.port ?? (await findFreePort());
  const host = `127.0.0.1:${port}`;
  const root = mkdtempSync(path.join(tmpdir(), 'celeriac-localstack-'));
  const child: ChildProcess = spawn(path.join(LOCALSTACK_VENV, 'bin', 'python'), ['-m', 'localstack.runtime.main'], {
    cwd: root,
    env: {
      ...process.env,
      PYTHONNOUSERSITE: '1',
      // Not in Docker even though /.dockerenv may say so; loopback only (hypercorn honours GATEWAY_LISTEN, twisted does not).
      OVERRIDE_IN_DOCKER: '0',
      GATEWAY_LISTEN: host,
      GATEWAY_SERVER: 'hypercorn',
      LOCALSTACK_HOST: host,
      // Its DNS server would bind 0.0.0.0:53.
      DNS_ADDRESS: '0',
      DISABLE_EVENTS: '1',
      SKIP_SSL_CERT_DOWNLOAD: '1',
      SQS_ENDPOINT_STRATEGY: 'path',
      FILESYSTEM_ROOT: root,
      SERVICES: services.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
      rmSync(root, { recursive: true, force: true });
    })());
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const endpoint = `http://${host}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`LocalStack exited before it was ready (exit ${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const health = (await (await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(1_000) })).json()) as {
        services?: Record<string, string>;
      };
      if (services.every((service) => ['available', 'running'].includes(health.services?.[service] ?? ''))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`LocalStack did not get ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { endpoint, pid: child.pid!, stop };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'install') {
    const started = Date.now();
    await ensureLocalStackInstalled();
    console.log(
      `localstack: ${LOCALSTACK_REQUIREMENT} ready in ${path.relative(process.cwd(), LOCALSTACK_VENV)} (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  } else if (command === 'start') {
    const localstack = await startLocalStack({ services: (process.argv[3] ?? 'sqs').split(',') });
    console.log(`localstack: listening on ${localstack.endpoint} (pid ${localstack.pid}); Ctrl-C stops it`);
    process.once('SIGINT', () => void localstack.stop().then(() => process.exit(0)));
  } else {
    console.error('usage: node --import tsx test/helpers/localstack.ts install | start [services]');
    process.exit(2);
  }
}
