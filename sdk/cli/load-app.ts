import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from '../core/app.js';

/**
 * Imports a module and returns the `App` it exports as `app`.
 * @throws {Error} naming the module and what it exports when there is no app.
 */
export async function loadApp(modulePath: string): Promise<App> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const app = mod.app;
  if (!(app instanceof App)) {
    throw new Error(
      `${modulePath} does not export an app: add \`export const app = createApp({ name: '…' })\` (it exports: ${Object.keys(mod).join(', ') || 'nothing'}).`,
    );
  }
  return app;
}
