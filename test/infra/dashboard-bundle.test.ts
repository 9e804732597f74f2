import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, testApp } from './synth.js';

describe('CeleriacApp dashboard bundle', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-cdk-dash-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the dashboard handler (hono on Lambda) into an ES module', { timeout: 120_000 }, () => {
    const cdkApp = testApp({ bundle: true, outdir });
    const stack = new Stack(cdkApp, 'BundledDashboard');
    const celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule, dashboard: true });
    const assembly = cdkApp.synth();

    const template = assembly.getStackByName('BundledDashboard').template as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    const s3Key = template.Resources[logicalId(celeriac.dashboard!.function)]?.Properties.Code.S3Key;
    expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    const bundle = path.join(assembly.directory, `asset.${s3Key!.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*\w+ as handler/);
    expect(code).toContain('Dead letters');
    // The AWS SDK clients come from the Lambda runtime, not the bundle.
    const imported = ['client-cloudwatch', 'client-secrets-manager', 'client-dynamodb', 'client-sqs'].filter((client) =>
      new RegExp(`from\\s*"@aws-sdk/${client}"`).test(code),
    );
    expect(imported).toEqual(['client-cloudwatch', 'client-secrets-manager', 'client-dynamodb', 'client-sqs']);
  });
});
