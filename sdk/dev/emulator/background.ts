import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EmulatorError } from '../errors.js';
import { findProjectRoot, STATE_DIR } from '../project-root.js';
import { isAlive, withFileLock } from './install-lock.js';
import { ensureMotoInstalled, MOTO_VERSION, pythonEnv, type EmulatorOptions } from './moto.js';
import { PERSISTENCE_ENV, persistencePrelude } from './persistence.js';

/** The loopback port the background emulator of `celeriac dev` listens on unless told otherwise. */
export const DEFAULT_EMULATOR_PORT = 4599;

/** Environment variable that sets the background emulator's port (as `--emulator-port` does). */
export const EMULATOR_PORT_ENV = 'CELERIAC_EMULATOR_PORT';

/** Files the background emulator keeps in `.celeriac/`. */
export const EMULATOR_FILES = {
  /** The running emulator: pid, port, endpoint, moto version, start time. Removed when it is stopped. */
  record: 'emulator.json',
  /** moto's state, written every few seconds and when the emulator stops. */
  snapshot: 'emulator-state.pickle',
  /** Whether the last start restored the snapshot. */
  restore: 'emulator-restore.json',
  /** The emulator's output. */
  log: 'emulator.log',
} as const;

/** Options of the background emulator functions. */
export interface DevEmulatorOptions extends EmulatorOptions {
  /**
   * Port on 127.0.0.1 for a newly started emulator (a running one is reused on its own port).
   * @default - `CELERIAC_EMULATOR_PORT`, else {@link DEFAULT_EMULATOR_PORT}
   */
  readonly port?: number;
  /**
   * How long to wait for a new emulator to answer, in milliseconds.
   * @default 30000
   */
  readonly readyTimeoutMs?: number;
  /**
   * Seconds between two snapshots of the emulator's state (0: only when it stops).
   * @default 5
   */
  readonly snapshotIntervalSeconds?: number;
}

/** What `.celeriac/emulator.json` records about the running emulator. */
export interface DevEmulatorRecord {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  /** The moto version it runs. */
  readonly moto: string;
  /** ISO time it started. */
  readonly startedAt: string;
}

/** The state of the project's background emulator. */
export type DevEmulatorStatus =
  | { readonly running: true; readonly record: DevEmulatorRecord }
  | { readonly running: false; readonly record?: DevEmulatorRecord; readonly reason: string };

/** What {@link startDevEmulator} did. */
export interface DevEmulatorStart {
  readonly record: DevEmulatorRecord;
  /** True when an emulator was already running and is reused as it is. */
  readonly reused: boolean;
  /** For a new emulator: when the state it restored was saved, or why nothing was restored. */
  readonly restored?: { readonly savedAt: Date } | { readonly reason: string };
  /** For a new emulator: the previous one, recorded but no longer running (it crashed or was killed). */
  readonly previous?: DevEmulatorRecord;
}

function paths(options: DevEmulatorOptions) {
  const dir = join(options.projectRoot ?? findProjectRoot(), STATE_DIR);
  const file = (name: keyof typeof EMULATOR_FILES) => join(dir, EMULATOR_FILES[name]);
  return { dir, record: file('record'), snapshot: file('snapshot'), restore: file('restore'), log: file('log'), lock: join(dir, 'emulator.lock') };
}

/** The port a new emulator gets: the option, else `CELERIAC_EMULATOR_PORT`, else the default. */
export function emulatorPort(options: Pick<DevEmulatorOptions, 'port'> = {}): number {
  const raw = options.port ?? process.env[EMULATOR_PORT_ENV]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_EMULATOR_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new EmulatorError(`${EMULATOR_PORT_ENV} (or --emulator-port) must be a port from 1 to 65535, received ${JSON.stringify(raw)}.`);
  }
  return port;
}

/**
 * Says whether the project's background emulator is running and answering.
 * @example
 * const status = await devEmulatorStatus();
 * if (status.running) console.log(status.record.endpoint);
 */
export async function devEmulatorStatus(options: DevEmulatorOptions = {}): Promise<DevEmulatorStatus> {
  const record = await readRecord(paths(options).record);
  if (!record) return { running: false, reason: 'no emulator has been started in this project (or it was stopped)' };
  if (!isAlive(record.pid)) return { running: false, record, reason: `the emulator (pid ${record.pid}) is no longer running` };
  if (!(await answers(record.endpoint))) return { running: false, record, reason: `the emulator (pid ${record.pid}) does not answer at ${record.endpoint}` };
  return { running: true, record };
}

/**
 * Reuses the project's background emulator when it is running, else starts one: moto on 127.0.0.1, as its
 * own detached process that outlives the caller, recorded in `.celeriac/emulator.json`, restoring the
 * state the last one saved.
 *
 * @throws {EmulatorError} when the port is taken by something else, or the emulator does not start.
 * @example
 * const { record, reused } = await startDevEmulator();
 * process.env.AWS_ENDPOINT_URL = record.endpoint;
 */
export async function startDevEmulator(options: DevEmulatorOptions = {}): Promise<DevEmulatorStart> {
  const files = paths(options);
  await mkdir(files.dir, { recursive: true });
  return withFileLock(files.lock, async () => {
    const status = await devEmulatorStatus(options);
    if (status.running) return { record: status.record, reused: true };
    if (status.record && isAlive(status.record.pid)) {
      // Alive but not answering: a hung emulator. Stop it so that a new one can take the port.
      await terminate(status.record.pid, 10_000);
    }
    const motoServer = await ensureMotoInstalled(options);
    const port = emulatorPort(options);
    const endpoint = `http://127.0.0.1:${port}`;
    if (await answers(endpoint, true)) {
      throw new EmulatorError(
        `port ${port} on 127.0.0.1 is already in use by another program, so celeriac cannot start its emulator there: ` +
          `pick another port with --emulator-port or ${EMULATOR_PORT_ENV}, or point AWS_ENDPOINT_URL at the emulator you already run.`,
      );
    }
    await rm(files.restore, { force: true });
    const record = await launchDetached(motoServer, port, files, options);
    await writeFile(files.record, `${JSON.stringify(record, null, 2)}\n`);
    const restoredStatus = await readRestoreStatus(files.restore);
    return { record, reused: false, restored: restoredStatus, ...(status.record ? { previous: status.record } : {}) };
  });
}

/**
 * Stops the project's background emulator (SIGTERM: it saves its state first; SIGKILL after 15 s) and
 * forgets its record. The saved state is kept for the next start; {@link resetDevEmulator} drops it.
 * @returns whether an emulator was running, and whether its state was saved.
 * @example
 * await stopDevEmulator();
 */
export async function stopDevEmulator(options: DevEmulatorOptions = {}): Promise<{ stopped: boolean; saved: boolean; record?: DevEmulatorRecord }> {
  const files = paths(options);
  await mkdir(files.dir, { recursive: true });
  return withFileLock(files.lock, async () => {
    const record = await readRecord(files.record);
    if (!record || !isAlive(record.pid)) {
      await rm(files.record, { force: true });
      return { stopped: false, saved: false, ...(record ? { record } : {}) };
    }
    const before = await mtime(files.snapshot);
    const stopped = Date.now();
    await terminate(record.pid, 15_000);
    await rm(files.record, { force: true });
    const after = await mtime(files.snapshot);
    return { stopped: true, saved: after !== undefined && after !== before && after >= stopped - 5, record };
  });
}

/**
 * Empties the project's emulator: every queue, message, table, record and schedule is gone (on the running
 * emulator and in its saved state).
 * @throws {EmulatorError} when the running emulator refuses the reset.
 * @example
 * await resetDevEmulator();
 */
export async function resetDevEmulator(options: DevEmulatorOptions = {}): Promise<{ running: boolean }> {
  const files = paths(options);
  const status = await devEmulatorStatus(options);
  if (status.running) {
    const response = await fetch(`${status.record.endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    if (!response.ok) throw new EmulatorError(`the emulator at ${status.record.endpoint} refused the reset (HTTP ${response.status}).`);
  }
  await rm(files.snapshot, { force: true });
  await rm(`${files.snapshot}.tmp`, { force: true });
  return { running: status.running };
}

async function launchDetached(motoServer: string, port: number, files: ReturnType<typeof paths>, options: DevEmulatorOptions): Promise<DevEmulatorRecord> {
  const python = join(dirname(motoServer), process.platform === 'win32' ? 'python.exe' : 'python');
  const bootstrap = [persistencePrelude(), 'from moto.server import main', 'sys.exit(main(sys.argv[1:]))'].join('\n');
  const log = openSync(files.log, 'a');
  let child;
  try {
    child = spawn(python, ['-c', bootstrap, '-H', '127.0.0.1', '-p', String(port)], {
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...pythonEnv(),
        [PERSISTENCE_ENV.state]: files.snapshot,
        [PERSISTENCE_ENV.status]: files.restore,
        [PERSISTENCE_ENV.version]: MOTO_VERSION,
        [PERSISTENCE_ENV.interval]: String(options.snapshotIntervalSeconds ?? 5),
      },
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  let exited = false;
  let spawnError: Error | undefined;
  child.once('exit', () => (exited = true));
  child.once('error', (error) => (spawnError = error));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (spawnError || exited || Date.now() > deadline) {
      if (!exited && child.pid) await terminate(child.pid, 3_000);
      const tail = (await readFile(files.log, 'utf8').catch(() => ''))
        .trimEnd()
        .split('\n')
        .slice(-15)
        .map((l) => `    ${l}`)
        .join('\n');
      const inUse = /address already in use/i.test(tail);
      throw new EmulatorError(
        inUse
          ? `port ${port} on 127.0.0.1 is already in use: pick another with --emulator-port or ${EMULATOR_PORT_ENV}.`
          : `the local AWS emulator did not start on ${endpoint} (${spawnError?.message ?? (exited ? 'it exited' : 'no answer in time')}); its log is ${files.log}:\n${tail}`,
      );
    }
    await sleep(150);
  }
  return { pid: child.pid!, port, endpoint, moto: MOTO_VERSION, startedAt: new Date().toISOString() };
}

async function readRecord(file: string): Promise<DevEmulatorRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<DevEmulatorRecord>;
    if (typeof record.pid !== 'number' || typeof record.endpoint !== 'string' || typeof record.port !== 'number') return undefined;
    return record as DevEmulatorRecord;
  } catch {
    return undefined;
  }
}

async function readRestoreStatus(file: string): Promise<{ savedAt: Date } | { reason: string }> {
  try {
    const status = JSON.parse(await readFile(file, 'utf8')) as { restored?: boolean; savedAt?: number; reason?: string };
    if (status.restored && typeof status.savedAt === 'number') return { savedAt: new Date(status.savedAt * 1000) };
    return { reason: status.reason ?? 'no saved state' };
  } catch {
    return { reason: 'the emulator did not say whether it restored its state' };
  }
}

/** True when `endpoint` answers as moto does (or, with `anything`, answers HTTP at all). */
async function answers(endpoint: string, anything = false): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return anything || response.ok;
  } catch {
    return false;
  }
}

async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone in between
    }
    while (isAlive(pid)) await sleep(50);
  }
}

async function mtime(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
