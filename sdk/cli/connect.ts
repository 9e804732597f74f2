import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { App } from '../core/app.js';
import { applyLocalAwsEnv } from '../dev/emulator/index.js';
import { loadApp } from './load-app.js';

/** Where a running `celeriac dev` says which endpoint it serves, so other commands can find it. */
export const DEV_STATE_FILE = join('.celeriac', 'dev.json');

/** Records the running `celeriac dev`'s endpoint (removed when it stops). */
export async function writeDevState(endpoint: string): Promise<() => Promise<void>> {
  await mkdir('.celeriac', { recursive: true });
  await writeFile(DEV_STATE_FILE, JSON.stringify({ endpoint, pid: process.pid }));
  return () => rm(DEV_STATE_FILE, { force: true });
}

/** Options every command that talks to AWS takes. */
export interface ConnectOptions {
  /** Module exporting the app. */
  readonly app: string;
  /** Endpoint to use instead of AWS (LocalStack, the emulator). */
  readonly endpoint?: string;
}

/**
 * Loads the app and points the AWS SDK at the right place: `--endpoint`, else `AWS_ENDPOINT_URL`,
 * else the running `celeriac dev` of this directory, else AWS itself (credentials from the environment).
 * @returns the app and a description of where it talks to.
 */
export async function connect(options: ConnectOptions): Promise<{ app: App; target: string }> {
  let endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  let target = endpoint ? `endpoint ${endpoint}` : 'AWS';
  if (!endpoint) {
    const dev = await readDevState();
    if (dev) {
      endpoint = dev.endpoint;
      target = `celeriac dev at ${endpoint}`;
    }
  }
  if (endpoint) applyLocalAwsEnv(endpoint);
  return { app: await loadApp(options.app), target };
}

async function readDevState(): Promise<{ endpoint: string } | undefined> {
  try {
    const state = JSON.parse(await readFile(DEV_STATE_FILE, 'utf8')) as { endpoint?: string; pid?: number };
    if (!state.endpoint || !state.pid) return undefined;
    process.kill(state.pid, 0); // throws when that process is gone
    return { endpoint: state.endpoint };
  } catch {
    return undefined;
  }
}
