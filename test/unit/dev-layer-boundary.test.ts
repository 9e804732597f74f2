import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** What a production bundle starts from: the package's runtime entry points and the Lambda handlers. */
const PRODUCTION_ENTRIES = [
  'sdk/index.ts',
  'sdk/aws/index.ts',
  'sdk/worker/index.ts',
  'sdk/inspect/index.ts',
  'sdk/dashboard/index.ts',
  'sdk/lambda/index.ts',
  'infra/lambda-entry.ts',
  'functions/worker/handler.ts',
  'functions/dashboard/handler.ts',
];

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('the sdk/dev layer', () => {
  it.each(PRODUCTION_ENTRIES)('is never bundled from %s', async (entry) => {
    const inputs = await bundledInputs(entry);
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((input) => input.startsWith('sdk/dev/'))).toEqual([]);
  });

  it('holds the emulator, the local runtime, the local scheduler and provisioning behind one entry', async () => {
    const inputs = await bundledInputs('sdk/dev/index.ts');
    expect(inputs).toEqual(
      expect.arrayContaining(['sdk/dev/emulator/moto.ts', 'sdk/dev/local-runtime.ts', 'sdk/dev/local-scheduler.ts', 'sdk/dev/provision.ts']),
    );
  });
});
