import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, testApp } from './synth.js';

describe('CeleriacApp worker bundle', () => {
  // Inside the repository, so the bundle finds the AWS SDK (external, as on Lambda) in node_modules.
  const scratch = fileURLToPath(new URL('../../.celeriac/', import.meta.url));
  mkdirSync(scratch, { recursive: true });
  const outdir = mkdtempSync(path.join(scratch, 'cdk-worker-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the worker handler with esbuild into an ES module with a source map', { timeout: 120_000 }, () => {
    const cdkApp = testApp({ bundle: true, outdir });
    const stack = new Stack(cdkApp, 'Bundled');
    const celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule });
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
    // The tasks module's own tasks, and none of the example app's.
    expect(code).toContain('shop.ping');
    for (const foreign of ['email.send', 'celeriac-example', 'nodemailer']) expect(code).not.toContain(foreign);

    // At cold start the bundle checks that its app is the one the function was provisioned for.
    const load = (appName: string) =>
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(typeof m.handler);`],
        {
          encoding: 'utf8',
          env: { ...process.env, CELERIAC_APP: appName, AWS_REGION: 'us-east-1' },
          timeout: 30_000,
        },
      );
    const right = load('shop');
    expect(right.stderr).toBe('');
    expect(right.stdout.trim()).toBe('function');
    const wrong = load('billing');
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('exports app "shop", but this function was provisioned for app "billing"');
  });

  it('refuses to build without tasksModule or entry, saying which prop to set', () => {
    expect(() => new CeleriacApp(new Stack(testApp(), 'NoTasks'), 'Tasks', { app })).toThrow(
      /needs `tasksModule`.*new CeleriacApp\(this, 'Tasks', \{ app, tasksModule: 'src\/tasks.ts' \}\)/,
    );
  });
});
