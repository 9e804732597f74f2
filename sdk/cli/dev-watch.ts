import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';

/** File endings whose change reloads the app. */
const CODE_FILES = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '.json']);

/** Options of {@link watchDev}. */
export interface WatchDevOptions {
  /** The app module (its folder is watched). */
  readonly app: string;
  /** The served module, when there is one (its folder is watched too). */
  readonly serve?: string;
  /** Arguments of the `celeriac dev` run for each reload (without `--watch`). */
  readonly devArgs: readonly string[];
  /**
   * Milliseconds of quiet after a change before reloading (an editor's save is several events).
   * @default 300
   */
  readonly debounceMs?: number;
  /**
   * Receives the watcher's own lines.
   * @default console.error
   */
  readonly log?: (line: string) => void;
}

/** True for a path (relative to a watched folder) the watcher leaves alone: dependencies, dot-folders (.git, .celeriac) and non-code files. */
export function isIgnoredPath(path: string, isFile: boolean | undefined): boolean {
  const parts = path.split(sep);
  if (parts.includes('node_modules') || parts.some((part) => part.startsWith('.') && part.length > 1 && part !== '..')) return true;
  return isFile === true && !CODE_FILES.has(extname(path));
}

/**
 * `celeriac dev --watch`: runs `celeriac dev` as a child process and runs it again when a code file in the
 * app's (or the served module's) folder changes, saying which files changed. The emulator is a process of
 * its own, so a reload keeps every queue, message, record and schedule; a task in flight during a reload
 * comes back after its visibility timeout. Resolves when the watcher stops (SIGINT/SIGTERM).
 */
export async function watchDev(options: WatchDevOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.error(line));
  const roots = [...new Set([options.app, options.serve].filter((m): m is string => m !== undefined).map((m) => dirname(resolve(m))))];
  const shown = (path: string) => relative(process.cwd(), path) || path;
  let child: ChildProcess | undefined;
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  let stopping = false;

  const start = (reason?: string): void => {
    const spawned = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'dev', ...options.devArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let announced = reason === undefined;
    spawned.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (!announced && chunk.toString().includes('celeriac dev')) {
        announced = true;
        log(
          `celeriac dev --watch: reloaded ${shown(resolve(options.app))}${options.serve ? ` and ${shown(resolve(options.serve))}` : ''} after changes to ${reason}`,
        );
      }
    });
    spawned.once('exit', (code, signal) => {
      if (child === spawned && !stopping)
        log(`celeriac dev --watch: the dev process exited (${signal ?? `exit ${code}`}); waiting for a change to start it again`);
    });
    child = spawned;
  };

  const halt = async (target: ChildProcess | undefined): Promise<void> => {
    if (!target || target.exitCode !== null || target.signalCode !== null) return;
    const exited = new Promise((done) => target.once('exit', done));
    target.kill('SIGTERM');
    const force = setTimeout(() => target.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
  };

  const reload = (): void => {
    const files = [...changed].map(shown).sort();
    changed = new Set();
    reloading = reloading.then(async () => {
      if (stopping) return;
      log(`celeriac dev --watch: ${files.join(', ')} changed: reloading the app (the emulator and its state stay)`);
      await halt(child);
      if (!stopping) start(files.join(', '));
    });
  };

  const inRoot = (path: string) => {
    const root = roots.find((r) => path === r || path.startsWith(r + sep));
    return root ? relative(root, path) : path;
  };
  const watcher = watch(roots, { ignoreInitial: true, ignored: (path, stats) => isIgnoredPath(inRoot(resolve(path)), stats?.isFile()) });
  watcher.on('all', (_event, path) => {
    changed.add(resolve(path));
    clearTimeout(timer);
    timer = setTimeout(reload, options.debounceMs ?? 300);
  });
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  log(`celeriac dev --watch: watching ${roots.map(shown).join(', ')} for changes`);
  start();

  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`\nceleriac dev --watch: ${signal} received, stopping…`);
      clearTimeout(timer);
      void reloading
        .then(() => halt(child))
        .then(() => watcher.close())
        .then(done);
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}
