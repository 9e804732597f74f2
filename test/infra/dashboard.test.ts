import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app } from '../fixtures/infra-app.js';
import { logicalId, statementsOfRole, testStack } from './synth.js';

describe('CeleriacApp dashboard (deployed variant)', () => {
  let stack: Stack;
  let celeriac: CeleriacApp;
  let template: Template;
  let ops: iam.Role;

  beforeAll(() => {
    stack = testStack();
    celeriac = new CeleriacApp(stack, 'Celeriac', { app, dashboard: true });
    ops = new iam.Role(stack, 'Ops', { assumedBy: new iam.AccountRootPrincipal() });
    celeriac.dashboard!.grantAccess(ops);
    new cloudwatch.Alarm(stack, 'Failures', { metric: celeriac.metricTaskFailures(), threshold: 1, evaluationPeriods: 1 });
    template = Template.fromStack(stack);
  });

  it('is off by default', () => {
    const plain = new CeleriacApp(testStack('Plain'), 'Celeriac', { app });
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

  it('scopes the dashboard role to the results table, its index, the app’s queues and its schedule group', () => {
    const table = logicalId(celeriac.table);
    const queues = ['default', 'exports'].map((n) => logicalId(celeriac.queues.get(n)!));
    const dlqs = ['default', 'exports'].map((n) => logicalId(celeriac.deadLetterQueues.get(n)!));
    const statements = statementsOfRole(template, logicalId(celeriac.dashboard!.function.role!));
    expect(statements).toEqual([
      { effect: 'Allow', actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table] },
      { effect: 'Allow', actions: ['dynamodb:Query'], resources: [JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byTime']] })] },
      { effect: 'Allow', actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:PurgeQueue', 'sqs:SendMessage'], resources: [...queues, ...dlqs].sort() },
      {
        effect: 'Allow',
        actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'],
        resources: [...dlqs].sort(),
      },
      // ListSchedules has no resource-level permission in IAM.
      { effect: 'Allow', actions: ['scheduler:ListSchedules'], resources: ['"*"'] },
      {
        effect: 'Allow',
        actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        resources: [JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/shop/*']] })],
      },
      { effect: 'Allow', actions: ['iam:PassRole'], resources: [logicalId(celeriac.schedules.role)] },
    ]);
    // No wildcard on data: table, index and queues are named.
    const data = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('sqs:')));
    expect(data).toHaveLength(4);
    expect(data.flatMap((s) => s.resources).filter((r) => r.includes('*'))).toEqual([]);
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
});
