import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app } from '../fixtures/infra-app.js';
import { logicalId, testApp } from './synth.js';

describe('CeleriacApp worker bundle', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the worker handler with esbuild into an ES module with a source map', { timeout: 120_000 }, () => {
    const cdkApp = testApp({ bundle: true, outdir });
    const stack = new Stack(cdkApp, 'Bundled');
    const celeriac = new CeleriacApp(stack, 'Celeriac', { app });
    const assembly = cdkApp.synth();

    const template = assembly.getStackByName('Bundled').template as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    const s3Key = template.Resources[logicalId(celeriac.workerFunction)]?.Properties.Code.S3Key;
    expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    const bundle = path.join(assembly.directory, `asset.${s3Key!.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith("import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*\w+ as handler/);
  });
});
