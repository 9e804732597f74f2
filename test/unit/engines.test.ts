import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// npm's own range semantics (semver is installed with the CDK); no types are needed for one call.
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface Lock {
  readonly packages: Record<string, { readonly engines?: { readonly node?: string } | readonly string[]; readonly optional?: boolean }>;
}

describe('the Node version the README promises', () => {
  it('is accepted by every installed package, so `npm install` prints no EBADENGINE warning', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(oldest).toBe('20.19.0');
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock;
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional && !Array.isArray(entry.engines))
      .map(([path, entry]) => [path, (entry.engines as { node?: string } | undefined)?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(oldest, range))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
  });
});
