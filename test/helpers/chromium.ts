import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless run in a container: no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Returns the chromium executable, installing Debian's `chromium` package first when it is
 * missing and apt-get can run; otherwise returns why it cannot, for a skip message.
 */
export function ensureChromium(): { path: string } | { missing: string } {
  if (existsSync(CHROMIUM_PATH)) return { path: CHROMIUM_PATH };
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium'], { stdio: 'ignore', timeout: 300_000 });
  } catch (error) {
    return {
      missing: `chromium is not installed at ${CHROMIUM_PATH} and \`apt-get install chromium\` failed (${(error as Error).message.split('\n')[0]}): install it to run the browser tests.`,
    };
  }
  return existsSync(CHROMIUM_PATH) ? { path: CHROMIUM_PATH } : { missing: `apt-get installed no ${CHROMIUM_PATH}` };
}
