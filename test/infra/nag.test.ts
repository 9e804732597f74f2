import { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { ExampleStack } from '../../infra/example-stack.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { testApp } from './synth.js';

/** Every AwsSolutions finding on a stack, as `RuleId at construct path`. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(stack).validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.resourceLogicalId}: ${violation.description.split('\n')[0]}`),
  );
}

describe('cdk-nag AwsSolutions pack', () => {
  it('finds no unacknowledged error or warning in the example stack', () => {
    const stack = new ExampleStack(testApp(), 'CeleriacExample', { app, tasksModule });
    expect(findings(stack)).toEqual([]);
  });

  it.each(['iam', 'password'] as const)('finds no unacknowledged error or warning with the dashboard deployed (auth: %s)', (auth) => {
    const stack = new Stack(testApp(), `Dashboard-${auth}`);
    new CeleriacApp(stack, 'Celeriac', { app, tasksModule, dashboard: { auth } });
    expect(findings(stack)).toEqual([]);
  });
});

describe('security of the stack', () => {
  it('catches what it is meant to: a bare function with an old runtime and a managed policy is reported', async () => {
    const { Stack } = await import('aws-cdk-lib');
    const lambda = await import('aws-cdk-lib/aws-lambda');
    const stack = new Stack(testApp(), 'Bare');
    new lambda.Function(stack, 'Old', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=()=>1') });
    const found = findings(stack).join('\n');
    expect(found).toMatch(/AwsSolutions-L1/);
    expect(found).toMatch(/AwsSolutions-IAM4/);
  });

  it.each(['iam', 'password'] as const)('makes the deployed dashboard require auth (auth: %s)', (auth) => {
    // The URL checks callers itself (IAM), or is public only in front of a function told to check a password
    // (test/integration/deployed-dashboard.test.ts runs that function's app: 401 without the password).
    const stack = new Stack(testApp(), `DashboardAuth-${auth}`);
    new CeleriacApp(stack, 'Celeriac', { app, tasksModule, dashboard: { auth } });
    const resources = (stack.node.root as import('aws-cdk-lib').App).synth().getStackByName(stack.stackName).template.Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const urls = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    const target = (urls[0]!.Properties.TargetFunctionArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const env = (resources[target]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    if (auth === 'iam') {
      expect(urls[0]!.Properties.AuthType).toBe('AWS_IAM');
      expect(env.CELERIAC_DASHBOARD_AUTH).toBe('iam');
    } else {
      expect(urls[0]!.Properties.AuthType).toBe('NONE');
      expect(env.CELERIAC_DASHBOARD_AUTH).toBe('password');
      expect(env.CELERIAC_DASHBOARD_PASSWORD_SECRET).toEqual({ Ref: expect.stringMatching(/^CeleriacDashboardPassword/) });
    }
  });

  it('encrypts every queue and dead-letter queue (SSE) and leaves the tables encrypted at rest', () => {
    const stack = new ExampleStack(testApp(), 'CeleriacExample', { app, tasksModule });
    const template = (stack.node.root as import('aws-cdk-lib').App).synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const queues = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SQS::Queue');
    expect(queues).toHaveLength(5); // two task queues, their two DLQs, the Scheduler delivery DLQ
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2); // the results and the listing table
    // DynamoDB always encrypts at rest; without SSESpecification it uses an AWS owned key. It must not be switched off.
    for (const table of tables) expect((table.Properties.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled).not.toBe(false);
  });
});
