import { SCHEDULE_RETRY_POLICY, schedulerDeadLetterQueueName, schedulerRoleName } from '../core/contract/names.js';
import type { GetScheduleCommandOutput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ScheduleExistsError, ScheduleNotFoundError, SchedulerError, type CeleriacError } from '../core/errors.js';
import type { ScheduleSpec, Scheduler, StoredSchedule } from '../core/ports/scheduler.js';
import { isAwsError, translateAwsError } from './aws-error.js';
import { parseQueueArn } from './sqs-broker.js';

export { SCHEDULE_RETRY_POLICY, schedulerDeadLetterQueueName, schedulerRoleName };

type SchedulerSdk = typeof import('@aws-sdk/client-scheduler');
let schedulerSdk: Promise<SchedulerSdk> | undefined;

/**
 * The Scheduler client module, loaded on first use: a worker that never schedules anything (most
 * never do) does not pay for loading it at cold start.
 */
function loadSchedulerSdk(): Promise<SchedulerSdk> {
  schedulerSdk ??= import('@aws-sdk/client-scheduler');
  return schedulerSdk;
}

/** Options of {@link EventBridgeScheduler}. */
export interface EventBridgeSchedulerOptions {
  /**
   * Scheduler client.
   * @default - a client from the environment, created on first use
   */
  readonly client?: SchedulerClient;
  /** App name: names the execution role and the delivery dead-letter queue. */
  readonly appName: string;
  /** Resolves a physical queue name to its ARN (e.g. `SqsBroker.queueArn`). */
  readonly queueArn: (queueName: string) => Promise<string>;
  /**
   * Execution role Scheduler assumes to send to the queue.
   * @default - `<app>-sched-<region>` in the queue's account, as the CDK construct names it
   */
  readonly roleArn?: string;
}

/**
 * The `Scheduler` port on EventBridge Scheduler: each schedule targets an SQS queue with the
 * envelope as Input, an explicit retry policy, and a dead-letter queue for deliveries that fail.
 */
export class EventBridgeScheduler implements Scheduler {
  private readonly groups = new Map<string, Promise<void>>();
  private connection: Promise<{ sdk: SchedulerSdk; client: SchedulerClient }> | undefined;

  constructor(private readonly options: EventBridgeSchedulerOptions) {}

  /** The client module and the client, loaded and created on first use. */
  private connect(): Promise<{ sdk: SchedulerSdk; client: SchedulerClient }> {
    this.connection ??= loadSchedulerSdk().then((sdk) => ({ sdk, client: this.options.client ?? new sdk.SchedulerClient({}) }));
    return this.connection;
  }

  async create(spec: ScheduleSpec): Promise<StoredSchedule> {
    const { sdk, client } = await this.connect();
    await this.ensureGroup(spec.group);
    try {
      await client.send(new sdk.CreateScheduleCommand(await this.request(spec)));
    } catch (error) {
      if (isAwsError(error, 'ConflictException')) {
        throw new ScheduleExistsError(`A schedule named "${spec.name}" already exists in group "${spec.group}".`, { cause: error });
      }
      throw failed(`create schedule ${spec.group}/${spec.name}`, error);
    }
    return this.mustGet(spec.group, spec.name);
  }

  async update(spec: ScheduleSpec): Promise<StoredSchedule> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.UpdateScheduleCommand(await this.request(spec)));
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) {
        throw new ScheduleNotFoundError(`No schedule "${spec.name}" in group "${spec.group}".`, { cause: error });
      }
      throw failed(`update schedule ${spec.group}/${spec.name}`, error);
    }
    return this.mustGet(spec.group, spec.name);
  }

  async get(group: string, name: string): Promise<StoredSchedule | undefined> {
    const { sdk, client } = await this.connect();
    try {
      return toStored(await client.send(new sdk.GetScheduleCommand({ GroupName: group, Name: name })));
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw failed(`read schedule ${group}/${name}`, error);
    }
  }

  async list(group: string): Promise<StoredSchedule[]> {
    const { sdk, client } = await this.connect();
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new sdk.ListSchedulesCommand({ GroupName: group, NextToken: token }));
        for (const summary of page.Schedules ?? []) if (summary.Name) names.push(summary.Name);
        token = page.NextToken;
      } while (token);
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return [];
      throw failed(`list schedules of group ${group}`, error);
    }
    const all = await Promise.all(names.map((name) => this.get(group, name)));
    return all.filter((s): s is StoredSchedule => s !== undefined);
  }

  async delete(group: string, name: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.DeleteScheduleCommand({ GroupName: group, Name: name }));
      return true;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return false;
      throw failed(`delete schedule ${group}/${name}`, error);
    }
  }

  private async request(spec: ScheduleSpec) {
    const queueArn = await this.options.queueArn(spec.queueName);
    const { account, region } = parseQueueArn(queueArn);
    const partition = queueArn.split(':')[1] ?? 'aws';
    return {
      GroupName: spec.group,
      Name: spec.name,
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timezone,
      State: spec.enabled ? ('ENABLED' as const) : ('DISABLED' as const),
      Description: spec.description,
      StartDate: spec.start,
      EndDate: spec.end,
      ActionAfterCompletion: spec.deleteAfterCompletion ? ('DELETE' as const) : ('NONE' as const),
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: {
        Arn: queueArn,
        RoleArn: this.options.roleArn ?? `arn:${partition}:iam::${account}:role/${schedulerRoleName(this.options.appName, region ?? '')}`,
        Input: spec.input,
        RetryPolicy: SCHEDULE_RETRY_POLICY,
        DeadLetterConfig: { Arn: `arn:${partition}:sqs:${region}:${account}:${schedulerDeadLetterQueueName(this.options.appName)}` },
      },
    };
  }

  private async mustGet(group: string, name: string): Promise<StoredSchedule> {
    const stored = await this.get(group, name);
    if (!stored) throw new ScheduleNotFoundError(`Schedule ${group}/${name} vanished right after it was written.`);
    return stored;
  }

  /**
   * Creates the group when it does not exist, once per process. Looked up first: some emulators
   * (moto) empty an existing group when asked to create it again, where AWS answers ConflictException.
   */
  private ensureGroup(group: string): Promise<void> {
    let pending = this.groups.get(group);
    if (!pending) {
      pending = (async () => {
        const { sdk, client } = await this.connect();
        try {
          await client.send(new sdk.GetScheduleGroupCommand({ Name: group }));
          return;
        } catch (error) {
          // Without permission to read it, assume the stack made it; CreateSchedule says otherwise.
          if (!isAwsError(error, 'ResourceNotFoundException')) return;
        }
        try {
          await client.send(new sdk.CreateScheduleGroupCommand({ Name: group }));
        } catch (error) {
          if (!isAwsError(error, 'ConflictException')) throw failed(`create schedule group ${group}`, error);
        }
      })();
      pending.catch(() => this.groups.delete(group));
      this.groups.set(group, pending);
    }
    return pending;
  }
}

function toStored(out: GetScheduleCommandOutput): StoredSchedule {
  const targetArn = out.Target?.Arn ?? '';
  const isQueue = /^arn:aws[a-z-]*:sqs:/.test(targetArn);
  return {
    group: out.GroupName ?? 'default',
    name: out.Name!,
    arn: out.Arn!,
    expression: out.ScheduleExpression ?? '',
    timezone: out.ScheduleExpressionTimezone ?? 'UTC',
    enabled: out.State !== 'DISABLED',
    description: out.Description || undefined,
    start: out.StartDate,
    end: out.EndDate,
    deleteAfterCompletion: out.ActionAfterCompletion === 'DELETE',
    targetArn,
    queueName: isQueue ? parseQueueArn(targetArn).name : undefined,
    input: out.Target?.Input,
    createdAt: out.CreationDate,
    modifiedAt: out.LastModificationDate,
  };
}

function failed(what: string, error: unknown): CeleriacError {
  return translateAwsError(error, SchedulerError, {
    failure: `Could not ${what}`,
    hints: { '*': 'Check that the stack is deployed and that this role may use EventBridge Scheduler (grantSchedules).' },
  });
}
