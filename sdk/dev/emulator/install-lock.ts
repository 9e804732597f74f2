import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

/** Options for {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting after this many milliseconds. Defaults to 15 minutes. */
  timeoutMs?: number;
  /** Called once when another process holds the lock and we start waiting. */
  onWait?: (holder: string) => void;
  /** A lock older than this (and not provably alive) is treated as stale. Defaults to 20 minutes. */
  staleMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  createdAt: number;
}

const POLL_MS = 250;

/**
 * Runs `fn` while holding an exclusive lock file (created with `O_EXCL`), so that several
 * processes racing to do the same work run it one at a time.
 *
 * A lock left behind by a dead process (same host, PID gone) or older than `staleMs` is removed.
 *
 * @throws {Error} when the lock cannot be acquired within `timeoutMs`, or whatever `fn` throws.
 * @example
 * await withFileLock('/tmp/thing.lock', async () => { await installThing(); });
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const staleMs = options.staleMs ?? 20 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let announced = false;

  for (;;) {
    const acquired = await tryAcquire(lockPath);
    if (acquired) break;

    const holder = await readLock(lockPath);
    if (holder === undefined || (await isStale(lockPath, holder, staleMs))) {
      // Unreadable (half-written or just removed) or stale: remove and retry. A half-written lock
      // is only removed once it is old enough, so that we never delete a lock being created.
      if (holder !== undefined || (await ageMs(lockPath)) > 5_000) {
        await rm(lockPath, { force: true });
        continue;
      }
    }
    if (!announced && holder !== undefined) {
      options.onWait?.(`pid ${holder.pid} on ${holder.host}`);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `celeriac: timed out after ${Math.round(timeoutMs / 1000)} s waiting for the lock ${lockPath}` +
          (holder ? ` (held by pid ${holder.pid} on ${holder.host})` : '') +
          '. If no other celeriac process is running, delete that file and retry.',
      );
    }
    await sleep(POLL_MS);
  }

  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function tryAcquire(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    try {
      const info: LockInfo = { pid: process.pid, host: hostname(), createdAt: Date.now() };
      await handle.writeFile(JSON.stringify(info));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(lockPath: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, createdAt: Number(parsed.createdAt) || 0 };
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, holder: LockInfo, staleMs: number): Promise<boolean> {
  if (holder.host === hostname()) return !isAlive(holder.pid);
  return (await ageMs(lockPath)) > staleMs;
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Whether a process of this machine is running (one of another user's counts: `EPERM`). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
