import { App } from '../core/app.js';
import { ConfigError } from '../core/errors.js';

/** Options of {@link appFromModule}. */
export interface AppFromModuleOptions {
  /**
   * Name of the module's export holding the app.
   * @default 'app'
   */
  readonly exportName?: string;
  /**
   * Name of the app this function was provisioned for (the `CELERIAC_APP` variable the construct
   * sets): the module's app must have this name, or the function refuses to start.
   * @default - not checked
   */
  readonly expectedName?: string;
  /**
   * How to name the module in errors (its path in the user's project).
   * @default 'the tasks module'
   */
  readonly moduleName?: string;
}

/**
 * The app a tasks module exports, checked: it is a celeriac app, and it is the one this function
 * was provisioned for. A worker that started with another app's tasks would send every message
 * to the dead-letter queue as an unknown task; refusing to start puts the reason in the log at once.
 * @throws {ConfigError} when the export is missing or not an app, or the app's name is not `expectedName`.
 * @example
 * import * as tasks from './tasks.js';
 * const app = appFromModule(tasks, { expectedName: process.env.CELERIAC_APP });
 */
export function appFromModule(mod: Readonly<Record<string, unknown>>, options: AppFromModuleOptions = {}): App {
  const exportName = options.exportName ?? 'app';
  const moduleName = options.moduleName ?? 'the tasks module';
  const app = mod[exportName];
  if (!App.isApp(app)) {
    const exported = Object.keys(mod);
    throw new ConfigError(
      `${moduleName} does not export a celeriac app as \`${exportName}\`: add \`export const ${exportName} = createApp({ name: '…' })\` ` +
        `(it exports: ${exported.length > 0 ? exported.join(', ') : 'nothing'}).`,
    );
  }
  if (options.expectedName !== undefined && options.expectedName !== '' && app.name !== options.expectedName) {
    throw new ConfigError(
      `${moduleName} exports app "${app.name}", but this function was provisioned for app "${options.expectedName}": ` +
        `point the construct's \`tasksModule\` at the module that creates "${options.expectedName}", or deploy the stack again.`,
    );
  }
  return app;
}
