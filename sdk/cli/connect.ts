import type { App } from '../core/app.js';
import { devEmulatorStatus } from '../dev/emulator/background.js';
import { applyLocalAwsEnv } from '../dev/emulator/index.js';
import { loadApp, resolveAppModule } from './load-app.js';

/** Options every command that talks to AWS takes. */
export interface ConnectOptions {
  /** `--app`: module exporting the app (see `resolveAppModule` for the rule when it is not given). */
  readonly app?: string | undefined;
  /** Endpoint to use instead of AWS (LocalStack, the emulator). */
  readonly endpoint?: string;
}

/**
 * Loads the app and points the AWS SDK at the right place: `--endpoint`, else `AWS_ENDPOINT_URL`,
 * else the project's running dev emulator (the one `celeriac dev` starts, recorded in `.celeriac/`), else AWS itself (credentials from the environment).
 * @returns the app and a description of where it talks to.
 */
export async function connect(options: ConnectOptions): Promise<{ app: App; target: string }> {
  let endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  let target = endpoint ? `endpoint ${endpoint}` : 'AWS';
  if (!endpoint) {
    const dev = await devEmulatorStatus();
    if (dev.running) {
      endpoint = dev.record.endpoint;
      target = `the dev emulator at ${endpoint}`;
    }
  }
  if (endpoint) applyLocalAwsEnv(endpoint);
  return { app: await loadApp(resolveAppModule(options.app)), target };
}
