import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineTail } from '../../sdk/emulator/run-process.js';
import { runSync } from './processes.js';

/**
 * What the bench venv installs from PyPI: the Celery a team picking it today gets, pinned, with its SQS
 * transport (kombu over pycurl, which comes as a manylinux wheel), its Redis transport and backend, and its
 * DynamoDB result backend (boto3).
 * Changing this list reinstalls the venv.
 */
export const CELERY_REQUIREMENTS = ['celery[sqs,redis]==5.7.0', 'kombu==5.7.0', 'boto3'] as const;

/** Where the bench venv lives, relative to the project root. */
export const BENCH_VENV_DIR = join('.celeriac', 'bench-venv');

/** The Debian package giving `redis-server` (the broker and result store of the Redis rows). */
export const REDIS_PACKAGE = 'redis-server';

/** Where the peers run from. */
export interface Peers {
  /** The bench venv's Python, which sees the pinned Celery. */
  readonly python: string;
  readonly redisServer: string;
  /** `celery kombu` versions, as imported. */
  readonly celeryVersion: string;
  /** Versions of the libraries under Celery that pip resolved (botocore, boto3, pycurl, redis). */
  readonly libraries: string;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.celeriac-bench-requirements';
const PROBE =
  'import celery, kombu, pycurl, boto3, botocore, redis; ' +
  'print(celery.__version__, kombu.__version__); ' +
  'print("botocore %s, boto3 %s, redis-py %s, %s" % (botocore.__version__, boto3.__version__, redis.__version__, pycurl.version.split()[0]))';

function redisServer(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

/** Runs a command, streaming each output line to `onLine`; resolves with its exit code and last lines. */
function run(command: string, args: readonly string[], onLine?: (line: string) => void): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONNOUSERSITE: '1' },
    });
    const tail = new LineTail(40, onLine);
    child.stdout.on('data', (c: Buffer) => tail.push(c));
    child.stderr.on('data', (c: Buffer) => tail.push(c));
    child.on('error', fail);
    child.on('close', (code) => {
      tail.end();
      done({ code, tail: tail.lines });
    });
  });
}

const requirementsText = `${CELERY_REQUIREMENTS.join('\n')}\n`;

async function installed(venv: string): Promise<boolean> {
  try {
    return (await readFile(join(venv, MARKER), 'utf8')) === requirementsText && existsSync(join(venv, 'bin', 'python'));
  } catch {
    return false;
  }
}

/**
 * Installs {@link CELERY_REQUIREMENTS} into `<root>/.celeriac/bench-venv` on first use (~1 min, progress
 * on `log`) and returns its Python. The venv is built in a directory of its own and renamed into place
 * once complete, so an interrupted install or two benches racing never leave a half-made venv; the
 * Celery processes run as `python -m celery`, which does not depend on the venv's path.
 * @throws {Error} saying what to install when python3, its venv module or pip fails.
 */
export async function ensureCeleryVenv(log: (line: string) => void, python = 'python3'): Promise<string> {
  const venv = join(root, BENCH_VENV_DIR);
  const venvPython = join(venv, 'bin', 'python');
  if (await installed(venv)) return venvPython;
  const shown = relative(process.cwd(), venv) || venv;
  log(`bench: installing ${CELERY_REQUIREMENTS.join(', ')} into ${shown} (first run only, ~1 min)…`);
  const started = Date.now();
  const building = `${venv}.building-${process.pid}`;
  await mkdir(dirname(venv), { recursive: true });
  await rm(building, { recursive: true, force: true });
  try {
    const made = await run(python, ['-m', 'venv', building]);
    if (made.code !== 0)
      throw new Error(
        `\`${python} -m venv\` failed (exit ${made.code}); install python3 with its venv module (Debian: apt-get install python3-venv), or run with --no-celery.\n${made.tail.join('\n')}`,
      );
    await writeFile(join(building, '.gitignore'), '*\n');
    const pip = await run(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', ...CELERY_REQUIREMENTS], (line) =>
      log(`bench:   pip: ${line.trim()}`),
    );
    if (pip.code !== 0)
      throw new Error(
        `pip install ${CELERY_REQUIREMENTS.map((r) => `'${r}'`).join(' ')} failed (exit ${pip.code}); check that pip reaches PyPI (PIP_INDEX_URL / HTTPS_PROXY), or run with --no-celery.\n${pip.tail.slice(-15).join('\n')}`,
      );
    await writeFile(join(building, MARKER), requirementsText);
    if (await installed(venv)) return venvPython; // another bench finished first
    await rm(venv, { recursive: true, force: true });
    await rename(building, venv);
    log(`bench: Celery installed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return venvPython;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/**
 * Makes sure the peers are there: Celery from PyPI in the bench venv ({@link ensureCeleryVenv}) and
 * Debian's `redis-server`, installed with apt-get when missing and allowed (as root).
 * @throws {Error} saying which command to run when they are missing and cannot be installed here.
 */
export async function ensurePeers(log: (line: string) => void, install: boolean): Promise<Peers> {
  let redis = redisServer();
  if (!redis && install) {
    if (process.getuid?.() !== 0)
      throw new Error(`redis-server is needed for the Celery peers: sudo apt-get install -y ${REDIS_PACKAGE}, or run with --no-celery.`);
    log(`bench: installing ${REDIS_PACKAGE} with apt-get (first run only)…`);
    const update = runSync('apt-get', ['update']);
    if (!update.ok) throw new Error(`apt-get update failed:\n${update.output.slice(-2000)}`);
    const inst = runSync('apt-get', ['install', '-y', '--no-install-recommends', REDIS_PACKAGE]);
    if (!inst.ok) throw new Error(`apt-get install ${REDIS_PACKAGE} failed:\n${inst.output.slice(-2000)}\nInstall it by hand, or run with --no-celery.`);
    redis = redisServer();
  }
  if (!redis) throw new Error(`redis-server is missing: apt-get install -y ${REDIS_PACKAGE}, or run with --no-celery.`);
  const venv = join(root, BENCH_VENV_DIR);
  if (!install && !(await installed(venv)))
    throw new Error(`the bench venv (${BENCH_VENV_DIR}) is not installed and --no-install was given; run without it once, or with --no-celery.`);
  const python = await ensureCeleryVenv(log);
  const probe = runSync(python, ['-c', PROBE], 60_000);
  if (!probe.ok) throw new Error(`the bench venv's Celery does not import (delete ${BENCH_VENV_DIR} to reinstall it):\n${probe.output.slice(-1500)}`);
  const [versions = '', libraries = ''] = probe.output.trim().split('\n');
  return { python, redisServer: redis, celeryVersion: versions.trim(), libraries: libraries.trim() };
}
