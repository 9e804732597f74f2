import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, statementsOfRole, testStack } from './synth.js';

describe('CeleriacApp dashboard (deployed variant)', () => {
  let stack: Stack;
  let celeriac: CeleriacApp;
  let template: Template;
  let ops: iam.Role;

  beforeAll(() => {
    stack = testStack();
    celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule, dashboard: true });
    ops = new iam.Role(stack, 'Ops', { assumedBy: new iam.AccountRootPrincipal() });
    celeriac.dashboard!.grantAccess(ops);
    new cloudwatch.Alarm(stack, 'Failures', { metric: celeriac.metricTaskFailures(), threshold: 1, evaluationPeriods: 1 });
    template = Template.fromStack(stack);
  });

  it('is off by default', () => {
    const plain = new CeleriacApp(testStack('Plain'), 'Celeriac', { app, tasksModule });
    expect(plain.dashboard).toBeUndefined();
    expect(Template.fromStack(Stack.of(plain)).findResources('AWS::Lambda::Url')).toEqual({});
  });

  it('serves the dashboard from a function URL with IAM auth', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(celeriac.dashboard!.function), 'Arn'] },
    });
  });

  it('scopes the dashboard role to the results and listing tables, the app’s queues and its schedule group', () => {
    const table = logicalId(celeriac.table);
    const queues = ['default', 'exports'].map((n) => logicalId(celeriac.queues.get(n)!));
    const dlqs = ['default', 'exports'].map((n) => logicalId(celeriac.deadLetterQueues.get(n)!));
    const statements = statementsOfRole(template, logicalId(celeriac.dashboard!.function.role!));
    expect(statements).toEqual([
      // Its own log group only (no AWSLambdaBasicExecutionRole, which allows every log group).
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logicalId(celeriac.dashboard!.node.findChild('Logs'))] },
      { effect: 'Allow', actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table] },
      // Lists from the listing table, and lists a task it revokes there.
      { effect: 'Allow', actions: ['dynamodb:PutItem', 'dynamodb:Query'], resources: [logicalId(celeriac.listingTable)] },
      { effect: 'Allow', actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:PurgeQueue', 'sqs:SendMessage'], resources: [...queues, ...dlqs].sort() },
      {
        effect: 'Allow',
        actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'],
        resources: [...dlqs].sort(),
      },
      // Neither ListSchedules nor GetMetricData has a resource-level permission in IAM.
      { effect: 'Allow', actions: ['cloudwatch:GetMetricData', 'scheduler:ListSchedules'], resources: ['"*"'] },
      {
        effect: 'Allow',
        actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        resources: [
          JSON.stringify({
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/shop/*']],
          }),
        ],
      },
      { effect: 'Allow', actions: ['iam:PassRole'], resources: [logicalId(celeriac.schedules.role)] },
    ]);
    // No wildcard on data: tables and queues are named.
    const data = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('sqs:')));
    expect(data).toHaveLength(4);
    expect(data.flatMap((s) => s.resources).filter((r) => r.includes('*'))).toEqual([]);
  });

  it('runs in IAM mode by default: no secret, and the function knows its mode and the worker function', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const env = dashboardEnvironment(template, celeriac);
    expect(env).toMatchObject({ CELERIAC_DASHBOARD_AUTH: 'iam', CELERIAC_WORKER_FUNCTIONS: { Ref: logicalId(celeriac.workerFunction) } });
    expect(env).not.toHaveProperty('CELERIAC_DASHBOARD_PASSWORD_SECRET');
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.includes('PasswordSecret'))).toEqual([]);
  });

  it('lets grantAccess give a role the function URL invoke permissions on the dashboard only', () => {
    // AWS asks for both: InvokeFunctionUrl, and InvokeFunction limited to calls through the URL.
    const fn = logicalId(celeriac.dashboard!.function);
    expect(statementsOfRole(template, logicalId(ops))).toEqual([
      { effect: 'Allow', actions: ['lambda:InvokeFunctionUrl'], resources: [fn] },
      { effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [fn] },
    ]);
  });

  it('offers metricTaskFailures on the worker’s embedded metrics', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Celeriac',
      MetricName: 'Tasks',
      Dimensions: [
        { Name: 'App', Value: 'shop' },
        { Name: 'State', Value: 'FAILURE' },
      ],
      Statistic: 'Sum',
    });
    expect(celeriac.metricTaskFailures({ task: 'email.send' }).dimensions).toEqual({ App: 'shop', Task: 'email.send', State: 'FAILURE' });
  });

  describe('with auth: password', () => {
    let pwStack: Stack;
    let pw: CeleriacApp;
    let pwTemplate: Template;

    beforeAll(() => {
      pwStack = testStack('Password');
      pw = new CeleriacApp(pwStack, 'Celeriac', { app, tasksModule, dashboard: { auth: 'password' } });
      pwTemplate = Template.fromStack(pwStack);
    });

    it('serves a public function URL (auth type NONE), the function checking the password', () => {
      pwTemplate.resourceCountIs('AWS::Lambda::Url', 1);
      pwTemplate.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'NONE',
        TargetFunctionArn: { 'Fn::GetAtt': [logicalId(pw.dashboard!.function), 'Arn'] },
      });
      const secret = logicalId(pw.dashboard!.passwordSecret as secretsmanager.Secret);
      expect(dashboardEnvironment(pwTemplate, pw)).toMatchObject({ CELERIAC_DASHBOARD_AUTH: 'password', CELERIAC_DASHBOARD_PASSWORD_SECRET: { Ref: secret } });
    });

    it('creates a secret with a generated password of letters and digits', () => {
      pwTemplate.resourceCountIs('AWS::SecretsManager::Secret', 1);
      pwTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true } });
    });

    it('lets the dashboard role read that secret and no other', () => {
      const secret = logicalId(pw.dashboard!.passwordSecret as secretsmanager.Secret);
      const statements = statementsOfRole(pwTemplate, logicalId(pw.dashboard!.function.role!));
      const secretStatements = statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
      expect(secretStatements).toEqual([
        { effect: 'Allow', actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [JSON.stringify({ Ref: secret })] },
      ]);
      // Besides the secret, the same grants as in IAM mode.
      const others = statements.filter((s) => !secretStatements.includes(s));
      expect(others.map((s) => s.actions.join(','))).toEqual(
        statementsOfRole(template, logicalId(celeriac.dashboard!.function.role!)).map((s) => s.actions.join(',')),
      );
    });

    it('outputs the URL and the secret’s ARN', () => {
      const outputs = pwTemplate.findOutputs('*');
      const secret = logicalId(pw.dashboard!.passwordSecret as secretsmanager.Secret);
      expect(Object.values(outputs).map((o) => o.Value)).toEqual(
        expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringContaining('FunctionUrl'), 'FunctionUrl'] }, { Ref: secret }]),
      );
    });

    it('refuses grantAccess: the password is the key', () => {
      const role = new iam.Role(pwStack, 'Someone', { assumedBy: new iam.AccountRootPrincipal() });
      expect(() => pw.dashboard!.grantAccess(role)).toThrow(/uses a password/);
    });

    it('uses a secret it is given instead of creating one, and reads only that one', () => {
      const given = testStack('Given');
      const secret = secretsmanager.Secret.fromSecretNameV2(given, 'Existing', 'ops/celeriac-dashboard');
      const withGiven = new CeleriacApp(given, 'Celeriac', { app, tasksModule, dashboard: { auth: 'password', passwordSecret: secret } });
      const t = Template.fromStack(given);
      t.resourceCountIs('AWS::SecretsManager::Secret', 0);
      const secretStatements = statementsOfRole(t, logicalId(withGiven.dashboard!.function.role!)).filter((s) =>
        s.actions.some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secretStatements).toHaveLength(1);
      expect(secretStatements[0]!.resources).toHaveLength(1);
      expect(secretStatements[0]!.resources[0]).toContain(':secret:ops/celeriac-dashboard-??????');
    });

    it('refuses a password secret with IAM auth', () => {
      const stack2 = testStack('Mixed');
      const secret = secretsmanager.Secret.fromSecretNameV2(stack2, 'Existing', 'ops/celeriac-dashboard');
      expect(() => new CeleriacApp(stack2, 'Celeriac', { app, tasksModule, dashboard: { passwordSecret: secret } })).toThrow(/only with auth: 'password'/);
    });
  });
});

/** The environment variables of the dashboard function. */
function dashboardEnvironment(template: Template, celeriac: CeleriacApp): Record<string, unknown> {
  const fn = template.toJSON().Resources[logicalId(celeriac.dashboard!.function)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return fn.Properties.Environment.Variables;
}
