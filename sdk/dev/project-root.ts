import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variable that sets the project root (where `.celeriac/` lives) instead of the search. */
export const PROJECT_ROOT_ENV = 'CELERIAC_PROJECT_ROOT';

/** The folder, under the project root, that holds the emulator, its state and its records. */
export const STATE_DIR = '.celeriac';

/**
 * Finds the user's project root: `CELERIAC_PROJECT_ROOT` when set, else the nearest folder at or above
 * `from` that holds a package.json, else `from` itself. `.celeriac/` (the emulator's venv, its state,
 * the records of the running emulator) lives there, never inside `node_modules/celeriac`.
 *
 * @param from - where the search starts
 * @default from - `process.cwd()`
 * @example
 * const root = findProjectRoot(); // e.g. /home/ada/shop when run from /home/ada/shop/src
 */
export function findProjectRoot(from: string = process.cwd()): string {
  const override = process.env[PROJECT_ROOT_ENV]?.trim();
  if (override) return resolve(override);
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The `.celeriac/` folder of the project (see {@link findProjectRoot}).
 * @example
 * const dir = stateDir(); // /home/ada/shop/.celeriac
 */
export function stateDir(projectRoot: string = findProjectRoot()): string {
  return join(projectRoot, STATE_DIR);
}
