import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../core/app.js';
import { ConfigError } from '../core/errors.js';
import { appFromModule } from '../lambda/app-module.js';

/** The variable naming the app module when no `--app` is given. */
export const APP_MODULE_ENV = 'CELERIAC_APP_MODULE';

/** What a project's package.json may say to the `celeriac` command (its `"celeriac"` field). */
export interface ProjectSettings {
  /** Module exporting the app, relative to the package.json. */
  readonly app?: string;
  /** Module exporting `startServer({ port })`, served by `celeriac dev` beside the worker. */
  readonly serve?: string;
  /** Export of the app module holding the app. */
  readonly appExport?: string;
}

/** A project's `"celeriac"` settings, with the directory they are relative to. */
export interface FoundSettings {
  readonly settings: ProjectSettings;
  /** Directory of the package.json they come from, or the working directory when there is none. */
  readonly root: string;
  /** The package.json they come from, when there is one. */
  readonly packageJson: string | undefined;
}

/** The nearest package.json at or above `cwd`. */
export function findPackageJson(cwd: string = process.cwd()): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The `"celeriac"` field of the nearest package.json at or above `cwd`.
 * @throws {ConfigError} when that package.json is not JSON, or its field is not an object of strings.
 */
export function projectSettings(cwd: string = process.cwd()): FoundSettings {
  const packageJson = findPackageJson(cwd);
  if (!packageJson) return { settings: {}, root: resolve(cwd), packageJson: undefined };
  let parsed: { celeriac?: unknown };
  try {
    parsed = JSON.parse(readFileSync(packageJson, 'utf8')) as { celeriac?: unknown };
  } catch (error) {
    throw new ConfigError(`${packageJson} is not valid JSON (${(error as Error).message}): fix it, or pass --app <module>.`);
  }
  const field = parsed.celeriac ?? {};
  const valid = typeof field === 'object' && field !== null && !Array.isArray(field) && Object.values(field).every((value) => typeof value === 'string');
  if (!valid) {
    throw new ConfigError(
      `The "celeriac" field of ${packageJson} must be an object of strings, e.g. { "app": "src/tasks.ts" }, received ${JSON.stringify(field)}.`,
    );
  }
  return { settings: field as ProjectSettings, root: dirname(packageJson), packageJson };
}

/**
 * Which module holds the app, by one rule for every command: the `--app` flag, else
 * `CELERIAC_APP_MODULE`, else the `"celeriac": { "app": … }` field of the project's package.json
 * (relative to it).
 * @returns an absolute path.
 * @throws {ConfigError} when none of them names a module, or the module does not exist; the message says how to set it.
 * @example
 * const module = resolveAppModule(options.app); // "/srv/shop/src/tasks.ts"
 */
export function resolveAppModule(flag: string | undefined, cwd: string = process.cwd()): string {
  const fromEnv = process.env[APP_MODULE_ENV];
  let module: string;
  let source: string;
  if (flag) {
    module = resolve(cwd, flag);
    source = '--app';
  } else if (fromEnv) {
    module = resolve(cwd, fromEnv);
    source = APP_MODULE_ENV;
  } else {
    const { settings, root, packageJson } = projectSettings(cwd);
    if (!settings.app) {
      throw new ConfigError(
        `Which module exports your app? Pass --app <module>, set ${APP_MODULE_ENV}, or add "celeriac": { "app": "src/tasks.ts" } to ` +
          `${packageJson ? relative(cwd, packageJson) || 'package.json' : 'your package.json'} (\`npx celeriac init\` writes it).`,
      );
    }
    module = resolve(root, settings.app);
    source = `the "celeriac.app" field of ${relative(cwd, packageJson!) || 'package.json'}`;
  }
  if (!existsSync(module)) {
    throw new ConfigError(`The app module ${relative(cwd, module) || module} (from ${source}) does not exist: check the path.`);
  }
  return module;
}

/** TypeScript extensions the CLI compiles on the fly. */
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

let typescriptLoader: Promise<void> | undefined;

/**
 * Lets `import()` load TypeScript modules (tsx's loader, ES modules and CommonJS alike), unless
 * this process already runs TypeScript (celeriac from its own sources).
 */
function loadTypeScript(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  typescriptLoader ??= (async () => {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  })();
  return typescriptLoader;
}

/**
 * Imports a module and returns the app it exports as `app` (or as `exportName`). TypeScript modules
 * load as they are: the user installs nothing else.
 * @throws {ConfigError} naming the module and what it exports when there is no app.
 * @example
 * const app = await loadApp(resolveAppModule(undefined));
 */
export async function loadApp(modulePath: string, exportName?: string): Promise<App> {
  const absolute = resolve(modulePath);
  const mod = await importUserModule(absolute);
  return appFromModule(mod, { moduleName: relative(process.cwd(), absolute) || absolute, ...(exportName ? { exportName } : {}) });
}

/**
 * Imports a module that may be TypeScript (a `--serve` module), as {@link loadApp} does.
 * @example
 * const mod = await importUserModule('examples/app/server.ts');
 */
export async function importUserModule(modulePath: string): Promise<Record<string, unknown>> {
  const absolute = resolve(modulePath);
  if (TYPESCRIPT.has(extname(absolute))) await loadTypeScript();
  const mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  // A CommonJS module (a .ts file in a "type": "commonjs" project) arrives as { default: module.exports }.
  const exports = mod.default;
  const commonJs = Object.keys(mod).every((key) => key === 'default' || key === 'module.exports') && typeof exports === 'object' && exports !== null;
  return commonJs ? (exports as Record<string, unknown>) : mod;
}
