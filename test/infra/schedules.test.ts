import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CeleriacApp } from '../../infra/index.js';
import { createCoreApp } from '../../sdk/core/app.js';
import { logicalId, statementsOfRole, testStack } from './synth.js';
import { tasksModule } from '../fixtures/infra-app.js';

/** The seeds' periodic tasks: every 3 s, every 10 min, Monday 07:30 in Asia/Shanghai. */
function beatApp() {
  const app = createCoreApp({ name: 'shop', timezone: 'Asia/Shanghai', queues: { default: {}, reports: {} } });
  const tick = app.task('reports.tick', async () => 'ok');
  const weekly = app.task('reports.weekly', async (to: string) => to, { queue: 'reports', argsSchema: z.tuple([z.email()]) });
  app.schedule('tick-3s', tick, { every: '3s', expires: 10 });
  app.schedule('tick-10m', tick, { every: '10m', enabled: false });
  app.schedule('weekly', weekly, { cron: '30 7 * * 1', args: ['ops@shop.example'], description: 'Monday 07:30 Shanghai' });
  return app;
}

describe('CeleriacApp schedules', () => {
  let stack: Stack;
  let celeriac: CeleriacApp;
  let template: Template;
  // biome-ignore lint/suspicious/noExplicitAny: raw CloudFormation properties of many shapes, read by path in assertions
  let schedules: Record<string, Record<string, any>>;

  beforeAll(() => {
    stack = testStack();
    celeriac = new CeleriacApp(stack, 'Celeriac', { app: beatApp(), tasksModule });
    celeriac.grantSchedules(new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() }));
    template = Template.fromStack(stack);
    schedules = Object.fromEntries(
      Object.values(template.findResources('AWS::Scheduler::Schedule')).map((resource) => [resource.Properties.Name, resource.Properties]),
    );
  });

  it('creates a schedule group for the app and one for its countdowns, before the schedules in them', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'shop' });
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'shop-eta' });
    for (const resource of Object.values(template.findResources('AWS::Scheduler::Schedule'))) {
      expect(resource.DependsOn).toContain(logicalId(celeriac.schedules.group));
    }
  });

  it('provisions each declared schedule in the app group with its expression and time zone', () => {
    expect(Object.keys(schedules).sort()).toEqual(['tick-10m', 'tick-3s', 'weekly']);
    const group = 'shop';
    expect(schedules['tick-3s']).toMatchObject({
      GroupName: group,
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(schedules['tick-3s']!.ScheduleExpressionTimezone).toBe('Etc/UTC'); // rate() ignores it
    expect(schedules['tick-10m']).toMatchObject({ ScheduleExpression: 'rate(10 minutes)', State: 'DISABLED' });
    expect(schedules.weekly).toMatchObject({
      GroupName: group,
      ScheduleExpression: 'cron(30 7 ? * 2 *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Description: 'Monday 07:30 Shanghai',
    });
  });

  it('targets the task queue with the envelope as Input, an explicit retry policy and the delivery DLQ', () => {
    const weekly = schedules.weekly!.Target;
    expect(weekly.Arn).toEqual({ 'Fn::GetAtt': [logicalId(celeriac.queues.get('reports')!), 'Arn'] });
    expect(weekly.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(celeriac.schedules.role), 'Arn'] });
    expect(weekly.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
    expect(weekly.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalId(celeriac.schedules.deadLetterQueue), 'Arn'] } });
    expect(JSON.parse(weekly.Input)).toEqual({
      v: 1,
      task: 'reports.weekly',
      args: ['ops@shop.example'],
      queue: 'reports',
      headers: { 'celeriac-schedule': '<aws.scheduler.schedule-arn>', 'celeriac-scheduled-time': '<aws.scheduler.scheduled-time>' },
    });
    const tick = JSON.parse(schedules['tick-3s']!.Target.Input);
    expect(tick).toMatchObject({ task: 'reports.tick', queue: 'default', headers: { 'celeriac-every': 3, 'celeriac-expires-in': 10 } });
    expect(schedules['tick-3s']!.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(celeriac.queues.get('default')!), 'Arn'] });
  });

  it('lets only Scheduler, from this account, assume the role that may send to the app queues and the DLQ', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['shop-sched-', { Ref: 'AWS::Region' }]] },
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    expect(statementsOfRole(template, logicalId(celeriac.schedules.role))).toEqual([
      {
        effect: 'Allow',
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: [
          logicalId(celeriac.queues.get('default')!),
          logicalId(celeriac.queues.get('reports')!),
          logicalId(celeriac.schedules.deadLetterQueue),
        ].sort(),
      },
    ]);
  });

  it('grantSchedules lets a role manage both groups and list schedules (ListSchedules has no resource-level permission)', () => {
    const statements = statementsOfRole(template, logicalId(stack.node.findChild('Admin')));
    expect(statements.map((s) => s.actions)).toEqual([
      ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
      ['scheduler:GetScheduleGroup'],
      ['iam:PassRole'],
      ['scheduler:ListSchedules'],
    ]);
    expect(statements[0]!.resources.map((r) => /:schedule\/([^"]+)"/.exec(r)?.[1])).toEqual(['shop-eta/*', 'shop/*']);
    expect(statements[3]!.resources).toEqual(['"*"']);
  });

  it('refuses, at definition time, what Scheduler could not run', () => {
    const app = createCoreApp({ name: 'shop' });
    const weekly = app.task('reports.weekly', async (to: string) => to, { argsSchema: z.tuple([z.email()]) });
    expect(() => app.schedule('bad-cron', weekly, { cron: '0 0 1 * 1', args: ['a@b.example'] })).toThrow(/Split it into two schedules/);
    expect(() => app.schedule('bad-every', weekly, { every: '7s', args: ['a@b.example'] })).toThrow(/must divide 60/);
    expect(() => app.schedule('bad-zone', weekly, { cron: '0 7 * * *', timezone: 'Asia/Shangai', args: ['a@b.example'] })).toThrow(
      /Unknown time zone "Asia\/Shangai"/,
    );
    expect(() => app.schedule('bad-args', weekly, { cron: '0 7 * * *', args: ['not-an-email'] })).toThrow(
      /Arguments of task "reports.weekly" failed validation/,
    );
    expect(() => app.schedule('bad name!', weekly, { cron: '0 7 * * *', args: ['a@b.example'] })).toThrow(/Schedule name "bad name!" is invalid/);
    const other = createCoreApp({ name: 'other' }).task('reports.weekly', async (to: string) => to);
    expect(() => app.schedule('foreign', other, { cron: '0 7 * * *', args: ['a@b.example'] })).toThrow(/not registered in app "shop"/);
  });
});
