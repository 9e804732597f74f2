import { existsSync } from 'node:fs';
import { runSync } from './processes.js';

/** Debian packages giving Celery (5.2, SQS transport over pycurl + boto3) and Redis. */
export const PEER_PACKAGES = ['python3-celery', 'python3-pycurl', 'python3-boto3', 'python3-redis', 'redis-server'] as const;

/** Where the peers run from. */
export interface Peers {
  /** The Python that sees Debian's `python3-celery` (not a pyenv or venv one). */
  readonly python: string;
  readonly redisServer: string;
  readonly celeryVersion: string;
}

const PYTHON = '/usr/bin/python3';
const PROBE = 'import celery, kombu, pycurl, boto3, redis; print(celery.__version__, kombu.__version__)';

function probe(): { ok: boolean; version: string } {
  if (!existsSync(PYTHON)) return { ok: false, version: '' };
  const out = runSync(PYTHON, ['-c', PROBE], 60_000);
  return { ok: out.ok, version: out.output.trim() };
}

function redisServer(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

/**
 * Makes sure Celery (Debian's `python3-celery`, run with `/usr/bin/python3`) and `redis-server` are
 * installed, installing them with apt-get when missing and allowed.
 * @throws {Error} saying which command to run when they are missing and cannot be installed here.
 */
export function ensurePeers(log: (line: string) => void, install: boolean): Peers {
  let found = probe();
  let redis = redisServer();
  if ((!found.ok || !redis) && install) {
    const root = process.getuid?.() === 0;
    if (!root) {
      throw new Error(`Celery and Redis are needed for the end-to-end peers. Install them with:\n  sudo apt-get update && sudo apt-get install -y ${PEER_PACKAGES.join(' ')}\nor run with --no-celery.`);
    }
    log(`bench: installing ${PEER_PACKAGES.join(', ')} with apt-get (first run only, ~1 min)…`);
    const update = runSync('apt-get', ['update']);
    if (!update.ok) throw new Error(`apt-get update failed:\n${update.output.slice(-2000)}`);
    const inst = runSync('apt-get', ['install', '-y', '--no-install-recommends', ...PEER_PACKAGES]);
    if (!inst.ok) throw new Error(`apt-get install failed:\n${inst.output.slice(-2000)}\nInstall ${PEER_PACKAGES.join(' ')} by hand, or run with --no-celery.`);
    found = probe();
    redis = redisServer();
  }
  if (!found.ok || !redis) {
    throw new Error(`Celery (${PYTHON} -c "import celery") or redis-server is missing: apt-get install -y ${PEER_PACKAGES.join(' ')}, or run with --no-celery.`);
  }
  return { python: PYTHON, redisServer: redis, celeryVersion: found.version };
}
