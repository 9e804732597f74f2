import { ArnFormat, Aws, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCHEDULE_RETRY_POLICY, schedulerDeadLetterQueueName, schedulerRoleName } from '../sdk/core/contract/names.js';
import type { App } from '../sdk/core/app.js';
import { DEFAULT_DLQ_RETENTION_SECONDS } from '../sdk/core/defaults.js';
import { countdownGroupOf, scheduleGroupOf } from '../sdk/core/schedule/definition.js';

/** Properties of {@link CeleriacSchedules}. */
export interface CeleriacSchedulesProps {
  readonly app: App;
  /** The app's task queues, by physical queue name. */
  readonly queues: ReadonlyMap<string, sqs.IQueue>;
}

/**
 * The app's beat on EventBridge Scheduler: a schedule group for periodic schedules (those declared
 * with `app.schedule()` are provisioned here; those created at run time or in the console join
 * them), a group for long countdowns, the execution role Scheduler assumes to send to the queues,
 * and a dead-letter queue for deliveries that fail after the retry policy.
 *
 * Construct ids are stable API: `Group`, `CountdownGroup`, `Role`, `DeliveryDeadLetterQueue`,
 * `Schedule-<name>`.
 */
export class CeleriacSchedules extends Construct {
  /** Group of the app's periodic schedules (named after the app). */
  readonly group: scheduler.ScheduleGroup;
  /** Group of the one-time schedules of countdowns beyond 15 minutes (`<app>-eta`). */
  readonly countdownGroup: scheduler.ScheduleGroup;
  /** Role Scheduler assumes to send messages to the app's queues (`<app>-sched-<region>`). */
  readonly role: iam.Role;
  /** Deliveries Scheduler could not make, after its retries. */
  readonly deadLetterQueue: sqs.Queue;
  /** Declared schedules, by name. */
  readonly schedules: ReadonlyMap<string, scheduler.Schedule>;

  constructor(scope: Construct, id: string, props: CeleriacSchedulesProps) {
    super(scope, id);
    const { app } = props;
    this.group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: scheduleGroupOf(app.name) });
    this.countdownGroup = new scheduler.ScheduleGroup(this, 'CountdownGroup', { scheduleGroupName: countdownGroupOf(app.name) });
    this.deadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      queueName: schedulerDeadLetterQueueName(app.name),
      retentionPeriod: Duration.seconds(DEFAULT_DLQ_RETENTION_SECONDS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    // Named, so services can create schedules without being told its ARN (the SDK derives it).
    this.role = new iam.Role(this, 'Role', {
      roleName: schedulerRoleName(app.name, Aws.REGION),
      description: `EventBridge Scheduler sends the tasks of celeriac app ${app.name}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
    });
    for (const queue of props.queues.values()) queue.grantSendMessages(this.role);
    this.deadLetterQueue.grantSendMessages(this.role);

    const schedules = new Map<string, scheduler.Schedule>();
    for (const { spec } of app.declaredSchedulesNow()) {
      const queue = props.queues.get(spec.queueName);
      if (!queue) throw new Error(`Schedule "${spec.name}" sends to ${spec.queueName}, which is not a queue of app "${app.name}".`);
      const isRate = spec.expression.startsWith('rate(');
      const schedule = new scheduler.Schedule(this, `Schedule-${spec.name}`, {
        scheduleName: spec.name,
        scheduleGroup: this.group,
        schedule: scheduler.ScheduleExpression.expression(spec.expression, isRate ? undefined : TimeZone.of(spec.timezone)),
        target: new targets.SqsSendMessage(queue, {
          input: scheduler.ScheduleTargetInput.fromText(spec.input),
          role: this.role,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: SCHEDULE_RETRY_POLICY.MaximumRetryAttempts,
          maxEventAge: Duration.seconds(SCHEDULE_RETRY_POLICY.MaximumEventAgeInSeconds),
        }),
        enabled: spec.enabled,
        ...(spec.description ? { description: spec.description } : {}),
        ...(spec.start ? { start: spec.start } : {}),
        ...(spec.end ? { end: spec.end } : {}),
        timeWindow: scheduler.TimeWindow.off(),
      });
      // The group is named, not referenced: without this, CloudFormation may create the schedule first.
      schedule.node.addDependency(this.group);
      schedules.set(spec.name, schedule);
    }
    this.schedules = schedules;
  }

  /**
   * Lets `grantee` hold long countdowns: create, read and delete one-time schedules in the countdown
   * group, and pass the role to Scheduler.
   */
  grantCountdowns(grantee: iam.IGrantable): iam.Grant {
    return this.grantOn(grantee, [this.countdownGroup], ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:DeleteSchedule']);
  }

  /**
   * Lets `grantee` manage schedules at run time (`app.schedules`, the CLI, the dashboard): create,
   * read, update and delete in both groups, list them, and pass the role to Scheduler.
   * `scheduler:ListSchedules` has no resource-level permission: it is granted on `*`.
   */
  grantManage(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantOn(
      grantee,
      [this.group, this.countdownGroup],
      ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:GetSchedule', 'scheduler:DeleteSchedule'],
    );
    return grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] }));
  }

  private grantOn(grantee: iam.IGrantable, groups: readonly scheduler.ScheduleGroup[], actions: string[]): iam.Grant {
    const schedules = iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: groups.map((group) =>
        Stack.of(this).formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `${group.scheduleGroupName}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
    });
    // The adapter checks that a group exists before creating in it.
    const groupsGrant = iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:GetScheduleGroup'], resourceArns: groups.map((g) => g.scheduleGroupArn) });
    const pass = this.role.grantPassRole(grantee.grantPrincipal);
    return schedules.combine(groupsGrant).combine(pass);
  }
}
