import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { findProjectRoot } from '../project-root.js';
import { withFileLock } from './install-lock.js';
import { LineTail, runProcess } from './run-process.js';

/** The pinned moto release the embedded emulator runs. Bumping it reinstalls the venv. */
export const MOTO_VERSION = '5.2.5';

/** The pip requirement installed into the emulator venv. */
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** Where the venv lives, relative to the project root. */
export const EMULATOR_VENV_DIR = join('.celeriac', 'emulator-venv');

/** Endpoint to suggest when the embedded emulator cannot be used. */
export const LOCALSTACK_ENDPOINT = 'http://localhost:4566';

const MARKER_FILE = '.celeriac-moto-version';
const PREFIX = 'celeriac:';
const INSTALL_HINT =
  'Install Python 3.9+ with venv and pip (Debian/Ubuntu: `apt-get install python3 python3-venv python3-pip`; ' +
  'Fedora: `dnf install python3 python3-pip`; macOS: `brew install python`), ' +
  `or point celeriac at another AWS emulator instead, e.g. LocalStack: \`AWS_ENDPOINT_URL=${LOCALSTACK_ENDPOINT}\`.`;

/** Options shared by the emulator functions. */
export interface EmulatorOptions {
  /**
   * Project root holding `.celeriac/`.
   * @default - `CELERIAC_PROJECT_ROOT`, else the nearest folder with a package.json at or above the working directory
   */
  projectRoot?: string;
  /** Progress sink, one line per call. Defaults to writing to stderr. */
  log?: (line: string) => void;
  /** Python interpreter used to create the venv. Defaults to `python3`. */
  python?: string;
}

/** Options for {@link startEmulator} and {@link resolveEndpoint}. */
export interface StartEmulatorOptions extends EmulatorOptions {
  /** Port to listen on (127.0.0.1). Defaults to a free port picked by the OS. */
  port?: number;
  /** How long to wait for the server to answer HTTP. Defaults to 20 000 ms. */
  readyTimeoutMs?: number;
  /**
   * Python run in the server process after moto is importable and before it serves (e.g. patches a
   * benchmark applies to moto's models). Lines at module level, joined with newlines.
   * @default - none
   */
  pythonPrelude?: string;
}

/** A running embedded emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  port: number;
  /** PID of the moto server process. */
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** The AWS endpoint to use, embedded or external. */
export interface ResolvedEndpoint {
  endpoint: string;
  /** Stops the embedded emulator; a no-op for an external endpoint. */
  stop(): Promise<void>;
  /** True when celeriac started its own moto server. */
  embedded: boolean;
}

const installs = new Map<string, Promise<string>>();

/**
 * Installs the pinned moto server into `<projectRoot>/.celeriac/emulator-venv` (first use only) and
 * returns the path of its `moto_server` executable.
 *
 * Idempotent and safe when several processes race: installation runs under a lock file, and a marker
 * file recording {@link MOTO_REQUIREMENT} is written last, so an interrupted install or a version bump
 * triggers a clean reinstall. botocore is resolved by pip inside the venv; system packages are never used.
 *
 * @throws {Error} naming python3 / python3-venv / pip and what to install (or suggesting
 *   `AWS_ENDPOINT_URL` for LocalStack) when Python is missing, too old, or venv/pip fails.
 * @example
 * const motoServer = await ensureMotoInstalled({ log: (line) => console.error(line) });
 */
export function ensureMotoInstalled(options: EmulatorOptions = {}): Promise<string> {
  const venvDir = join(options.projectRoot ?? defaultProjectRoot(), EMULATOR_VENV_DIR);
  const key = `${venvDir}\0${options.python ?? 'python3'}`;
  let pending = installs.get(key);
  if (!pending) {
    pending = install(venvDir, options);
    installs.set(key, pending);
    // Failed attempts are not cached, so a later call can retry after the user fixes Python.
    pending.catch(() => installs.delete(key));
  }
  return pending;
}

async function install(venvDir: string, options: EmulatorOptions): Promise<string> {
  const motoServer = venvExecutable(venvDir, 'moto_server');
  if (await isInstalled(venvDir, motoServer)) return motoServer;

  const log = options.log ?? defaultLog;
  const python = options.python ?? 'python3';
  await mkdir(dirname(venvDir), { recursive: true });

  return withFileLock(
    `${venvDir}.lock`,
    async () => {
      // Another process may have finished while we waited for the lock.
      if (await isInstalled(venvDir, motoServer)) return motoServer;

      await checkPython(python);
      const shown = relative(process.cwd(), venvDir) || venvDir;
      log(`${PREFIX} installing the local AWS emulator (moto ${MOTO_VERSION}) into ${shown} (first run only, ~40 s)…`);
      const started = Date.now();
      await rm(venvDir, { recursive: true, force: true });

      const venv = await runProcess(python, ['-m', 'venv', venvDir], { env: pythonEnv() });
      if (venv.code !== 0) {
        await rm(venvDir, { recursive: true, force: true });
        throw new Error(
          `${PREFIX} \`${python} -m venv\` failed (exit ${venv.code ?? venv.signal}); the python3-venv module ` +
            `(with ensurepip) is probably missing. ${INSTALL_HINT}\n${indent(venv.tail)}`,
        );
      }
      // Keep the venv out of git even in projects whose .gitignore does not cover .celeriac/.
      await writeFile(join(venvDir, '.gitignore'), '*\n');

      const venvPython = venvExecutable(venvDir, 'python');
      const pip = await runProcess(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', MOTO_REQUIREMENT], {
        env: pythonEnv(),
        onLine: (line) => log(`${PREFIX}   pip: ${line.trim()}`),
      });
      if (pip.code !== 0 || !existsSync(motoServer)) {
        await rm(venvDir, { recursive: true, force: true });
        throw new Error(
          `${PREFIX} \`pip install '${MOTO_REQUIREMENT}'\` failed (exit ${pip.code ?? pip.signal}). ` +
            `Check that pip can reach PyPI (set PIP_INDEX_URL / HTTPS_PROXY if you need a mirror or proxy). ` +
            `${INSTALL_HINT}\n${indent(pip.tail)}`,
        );
      }

      await writeFile(join(venvDir, MARKER_FILE), `${MOTO_REQUIREMENT}\n`);
      log(`${PREFIX} local AWS emulator installed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      return motoServer;
    },
    {
      onWait: (holder) => log(`${PREFIX} waiting for another process (${holder}) to finish installing the local AWS emulator…`),
    },
  );
}

async function isInstalled(venvDir: string, motoServer: string): Promise<boolean> {
  try {
    const marker = await readFile(join(venvDir, MARKER_FILE), 'utf8');
    return marker.trim() === MOTO_REQUIREMENT && existsSync(motoServer);
  } catch {
    return false;
  }
}

async function checkPython(python: string): Promise<void> {
  let result;
  try {
    result = await runProcess(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      env: pythonEnv(),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`${PREFIX} the local AWS emulator needs python3, but \`${python}\` could not be run (${code}). ${INSTALL_HINT}`);
  }
  const version = result.tail.at(-1) ?? '';
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (result.code !== 0 || !match) {
    throw new Error(
      `${PREFIX} the local AWS emulator needs python3, but \`${python}\` did not run correctly ` +
        `(exit ${result.code ?? result.signal}). ${INSTALL_HINT}\n${indent(result.tail)}`,
    );
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major !== 3 || minor < 9) {
    throw new Error(`${PREFIX} the local AWS emulator needs python3 >= 3.9, but \`${python}\` is Python ${version}. ${INSTALL_HINT}`);
  }
}

/**
 * Starts the embedded moto server on 127.0.0.1 (installing it first if needed) and waits until it
 * answers HTTP.
 *
 * The server is killed when this process exits, and also exits by itself if this process dies
 * without cleaning up (it watches its stdin pipe).
 *
 * @throws {Error} when installation fails (see {@link ensureMotoInstalled}), or when the server exits
 *   early or does not answer within `readyTimeoutMs` (the message includes the tail of its output).
 * @example
 * const emulator = await startEmulator();
 * try {
 *   console.log(emulator.endpoint); // http://127.0.0.1:41234
 * } finally {
 *   await emulator.stop();
 * }
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const motoServer = await ensureMotoInstalled(options);
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch(motoServer, port, options.readyTimeoutMs ?? 20_000, options.pythonPrelude);
    } catch (error) {
      lastError = error;
      // Another process grabbed the port between our probe and moto's bind: try a new one.
      if (!(error instanceof PortInUseError)) throw error;
    }
  }
  throw lastError;
}

class PortInUseError extends Error {}

/**
 * Python snippet equivalent to `moto_server -H 127.0.0.1 -p PORT`, plus a watchdog thread that exits
 * the server when its stdin closes, i.e. when the parent Node process is gone (even after SIGKILL),
 * and the caller's prelude.
 */
function motoBootstrap(prelude = ''): string {
  return [
    'import os, sys, threading',
    'def _watch():',
    '    try:',
    '        sys.stdin.buffer.read()',
    '    finally:',
    '        os._exit(0)',
    'threading.Thread(target=_watch, daemon=True).start()',
    prelude,
    'from moto.server import main',
    'sys.exit(main(sys.argv[1:]))',
  ].join('\n');
}

async function launch(motoServer: string, port: number, readyTimeoutMs: number, prelude?: string): Promise<RunningEmulator> {
  const venvPython = join(dirname(motoServer), process.platform === 'win32' ? 'python.exe' : 'python');
  const child = spawn(venvPython, ['-c', motoBootstrap(prelude), '-H', '127.0.0.1', '-p', String(port)], {
    env: pythonEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new LineTail(30);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  // EPIPE on the watchdog pipe after the child exits is expected; never crash the parent over it.
  child.stdin?.on('error', () => {});
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError ??= error));

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const killOnExit = (): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        }
      } finally {
        process.off('exit', killOnExit);
        child.stdin?.destroy();
      }
    })();
    return stopping;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, endpoint, exited, output, readyTimeoutMs, () => spawnError);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${PREFIX} moto server has no pid`);
  return { endpoint, port, pid: child.pid, stop };
}

async function waitUntilReady(
  child: ChildProcess,
  endpoint: string,
  exited: Promise<void>,
  output: LineTail,
  timeoutMs: number,
  getSpawnError: () => Error | undefined,
): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const spawnError = getSpawnError();
    if (spawnError) {
      throw new Error(`${PREFIX} could not start the moto server: ${spawnError.message}`);
    }
    if (hasExited) {
      output.end();
      const text = output.toString();
      if (/address already in use/i.test(text)) {
        throw new PortInUseError(`${PREFIX} port of ${endpoint} is already in use`);
      }
      throw new Error(`${PREFIX} the moto server exited before answering (exit ${child.exitCode ?? child.signalCode}).\n${indent(output.lines)}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  output.end();
  throw new Error(`${PREFIX} the moto server at ${endpoint} did not answer within ${Math.round(timeoutMs / 1000)} s.\n${indent(output.lines)}`);
}

/**
 * Returns the AWS endpoint to use: `AWS_ENDPOINT_URL` when set (e.g. LocalStack at
 * http://localhost:4566), otherwise a freshly started embedded moto server.
 *
 * @throws {Error} when the embedded emulator has to be started and cannot be (see {@link startEmulator}).
 * @example
 * const { endpoint, stop, embedded } = await resolveEndpoint();
 * applyLocalAwsEnv(endpoint);
 * // ... use the AWS SDK ...
 * await stop();
 */
export async function resolveEndpoint(options: StartEmulatorOptions = {}): Promise<ResolvedEndpoint> {
  const external = process.env.AWS_ENDPOINT_URL?.trim();
  if (external) {
    return { endpoint: external.replace(/\/+$/, ''), stop: async () => {}, embedded: false };
  }
  const emulator = await startEmulator(options);
  return { endpoint: emulator.endpoint, stop: emulator.stop, embedded: true };
}

/**
 * Wipes all state (queues, tables, schedules…) of a moto server via `POST /moto-api/reset`.
 *
 * @throws {Error} when the endpoint cannot be reached or does not accept the reset (e.g. it is not moto).
 * @example
 * await resetEmulator('http://127.0.0.1:41234');
 */
export async function resetEmulator(endpoint: string): Promise<void> {
  const url = `${endpoint.replace(/\/+$/, '')}/moto-api/reset`;
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  if (!response.ok) {
    throw new Error(`${PREFIX} POST ${url} failed with HTTP ${response.status}; is this a moto server?`);
  }
}

/**
 * Points the AWS SDK v3 of this process at `endpoint` (sets `AWS_ENDPOINT_URL`) and fills in dummy
 * credentials and `us-east-1` when they are not already set.
 *
 * @example
 * applyLocalAwsEnv('http://127.0.0.1:41234');
 * const sqs = new SQSClient({}); // talks to the emulator
 */
export function applyLocalAwsEnv(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
}

/**
 * Asks the OS for a free TCP port on 127.0.0.1 (binds port 0, reads it, closes).
 *
 * @throws {Error} when no socket can be bound.
 * @example
 * const port = await findFreePort();
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error(`${PREFIX} could not pick a free port`))));
    });
  });
}

/** Path of an executable inside the venv. */
export function venvExecutable(venvDir: string, name: string): string {
  return process.platform === 'win32' ? join(venvDir, 'Scripts', `${name}.exe`) : join(venvDir, 'bin', name);
}

/** Environment for Python children: no leaking of system/user site-packages (e.g. a system botocore). */
export function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONNOUSERSITE: '1', PYTHONUNBUFFERED: '1' };
  // MOTO_PORT would override the port moto puts into URLs it returns (e.g. SQS queue URLs).
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'PIP_USER', 'PIP_TARGET', 'PIP_PREFIX', 'VIRTUAL_ENV', 'MOTO_PORT']) {
    delete env[name];
  }
  return env;
}

function defaultProjectRoot(): string {
  return findProjectRoot();
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `    ${line}`).join('\n');
}
