import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app as exampleApp } from '../../examples/app/tasks.js';
import { ExampleStack } from '../../infra/example-stack.js';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { IGNORED_CFN_LINT_RULES, isIgnoredBy, lintTemplate, lintTemplates, unexpectedFindings, type CfnLintFinding } from '../helpers/cfn-lint.js';
import { testApp } from './synth.js';

/** Every template a user can deploy from this repository: the example stack and each dashboard variant. */
function synthTemplates(outdir: string): Record<string, string> {
  const cdkApp = testApp({ outdir });
  new ExampleStack(cdkApp, 'CeleriacExample', { app: exampleApp, tasksModule: fileURLToPath(new URL('../../examples/app/tasks.ts', import.meta.url)) });
  new CeleriacApp(new Stack(cdkApp, 'DashboardIam'), 'Celeriac', { app, tasksModule, dashboard: true });
  new CeleriacApp(new Stack(cdkApp, 'DashboardPassword'), 'Celeriac', { app, tasksModule, dashboard: { auth: 'password' } });
  const given = new Stack(cdkApp, 'DashboardGivenSecret');
  const secret = new secretsmanager.Secret(given, 'Given');
  new CeleriacApp(given, 'Celeriac', { app, tasksModule, dashboard: { auth: 'password', passwordSecret: secret } });
  const assembly = cdkApp.synth();
  return Object.fromEntries(assembly.stacks.map((stack) => [stack.stackName, stack.templateFullPath]));
}

describe('cfn-lint on the synthesized templates', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-lint-'));
  let templates: Record<string, string>;
  const findings = new Map<string, CfnLintFinding[]>();

  beforeAll(async () => {
    templates = synthTemplates(outdir);
    const byFile = await lintTemplates(Object.values(templates));
    for (const [name, file] of Object.entries(templates)) findings.set(name, byFile.get(file)!);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('lints every stack', () => {
    expect(Object.keys(templates).sort()).toEqual(['CeleriacExample', 'DashboardGivenSecret', 'DashboardIam', 'DashboardPassword']);
  });

  it.each(['CeleriacExample', 'DashboardIam', 'DashboardPassword', 'DashboardGivenSecret'])('%s: no error, no warning beyond the listed ones', (name) => {
    expect(findings.get(name)).toBeDefined();
    expect(unexpectedFindings(findings.get(name)!)).toEqual([]);
  });

  it('each ignored rule has a reason and still occurs (the list does not go stale)', () => {
    const all = [...findings.values()].flat();
    for (const ignored of IGNORED_CFN_LINT_RULES) {
      expect(ignored.reason.length).toBeGreaterThan(20);
      expect(
        all.some((finding) => isIgnoredBy(finding, ignored)),
        `${ignored.rule} ${ignored.message}`,
      ).toBe(true);
    }
  });

  it('reports what it should: a broken template comes back with errors', async () => {
    const { writeFileSync } = await import('node:fs');
    const broken = path.join(outdir, 'broken.template.json');
    writeFileSync(
      broken,
      JSON.stringify({
        Resources: {
          Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon', RedrivePolicy: { maxReceiveCount: 3 } } },
          Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } },
        },
      }),
    );
    const errors = unexpectedFindings(await lintTemplate(broken)).filter((finding) => finding.level === 'Error');
    expect(errors.map((error) => error.path).join('\n')).toMatch(/Resources\/Queue\/Properties\/VisibilityTimeout/);
    expect(errors.map((error) => error.path).join('\n')).toMatch(/Resources\/Table/);
  });
});
