import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { App } from '../sdk/core/app.js';
import { CeleriacDashboard, type CeleriacDashboardOptions } from './celeriac-dashboard.js';
import {
  APP_ENV,
  METRIC,
  METRICS_NAMESPACE,
  SCHEDULER_ROLE_ARN_ENV,
  TABLE_KEY_ATTRIBUTE,
  TABLE_TTL_ATTRIBUTE,
  TASK_LISTING_SHARD_ATTRIBUTE,
  TASK_LISTING_SORT_ATTRIBUTE,
  TASK_LISTING_TTL_ATTRIBUTE,
} from '../sdk/core/contract/index.js';
import { DEFAULT_DLQ_RETENTION_SECONDS } from '../sdk/core/defaults.js';
import { countdownGroupOf } from '../sdk/core/schedule/definition.js';
import { CeleriacSchedules } from './celeriac-schedules.js';
import { findTasksProject, lambdaFactoriesModule, writeLambdaEntry, type LambdaEntryKind, type TasksProject } from './lambda-entry.js';

/** Oldest Node.js major version the worker supports. */
const MIN_NODE_MAJOR = 22;

/**
 * Lets an ES module bundle `require()` Node built-ins that CommonJS dependencies ask for.
 */
const ESM_REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Properties of a {@link CeleriacApp}. */
export interface CeleriacAppProps {
  /**
   * The celeriac app to provision: its queues, worker settings and results table name.
   */
  readonly app: App;
  /**
   * Path of your module that exports the app (`export const app = createApp(…)`) and defines its
   * tasks, absolute or relative to the working directory (where `cdk` runs). The construct generates
   * the worker's entry over it and bundles it with esbuild from your project, so the deployed worker
   * runs your tasks; at cold start the worker refuses to run if the module's app is not `app`.
   * Required unless `entry` is given.
   * @default - none: one of `tasksModule` and `entry` is required
   */
  readonly tasksModule?: string;
  /**
   * Name of the export of `tasksModule` that holds the app.
   * @default 'app'
   */
  readonly appExport?: string;
  /**
   * Path of a hand-written worker entry exporting `handler` (e.g. `createWorkerHandler(app)` from
   * `celeriac/lambda`), bundled with esbuild instead of the generated one.
   * @default - generated from `tasksModule`
   */
  readonly entry?: string;
  /**
   * Lambda runtime of the worker; Node.js 22 or newer.
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * What happens to the results table (and the listing table) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deploys the dashboard on Lambda behind a function URL (`true`, or options): IAM auth by default,
   * or a password kept in Secrets Manager (`{ auth: 'password' }`).
   * @default false
   */
  readonly dashboard?: boolean | CeleriacDashboardOptions;
}

/**
 * Everything a celeriac app runs on: one SQS queue and dead-letter queue per declared queue, the
 * DynamoDB results table, the listing table the dashboard lists tasks from, and one worker Lambda
 * function fed by every queue.
 *
 * Construct ids are stable API: `Queue-<name>`, `DeadLetterQueue-<name>`, `Results`, `Listing`, `Worker`,
 * `WorkerLogs`, `EventSource-<name>`.
 *
 * @throws {Error} when the runtime is older than Node.js 22. (Queue settings are validated by the app
 *   itself, e.g. a visibility timeout of at least 6 × the worker timeout.)
 * @example
 * const celeriac = new CeleriacApp(this, 'Celeriac', { app });
 * celeriac.grantEnqueue(webFunction);
 * celeriac.grantReadResults(webFunction);
 */
export class CeleriacApp extends Construct {
  /** The task queues, by logical queue name. */
  readonly queues: ReadonlyMap<string, sqs.IQueue>;
  /** The dead-letter queues, by logical name of the queue they serve. */
  readonly deadLetterQueues: ReadonlyMap<string, sqs.IQueue>;
  /** The DynamoDB table of task records (partition key `id`, TTL attribute `expiresAt`). */
  readonly table: dynamodb.ITable;
  /** The DynamoDB table of task listings (partition key `shard`, sort key `at`, TTL attribute `expiresAt`): one item per worker batch. */
  readonly listingTable: dynamodb.ITable;
  /** The worker function that runs the tasks of every queue. */
  readonly workerFunction: lambda.IFunction;
  /** The deployed dashboard, when the `dashboard` prop asks for it. */
  readonly dashboard: CeleriacDashboard | undefined;
  /** The app's schedules on EventBridge Scheduler: groups, role, declared schedules (id `Schedules`). */
  readonly schedules: CeleriacSchedules;

  private readonly app: App;
  private readonly props: CeleriacAppProps;
  private readonly project: TasksProject;

  constructor(scope: Construct, id: string, props: CeleriacAppProps) {
    super(scope, id);
    const { app } = props;
    this.app = app;
    this.props = props;
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_22_X;
    assertRuntime(runtime);
    const source = props.entry ?? props.tasksModule;
    if (source === undefined) {
      throw new Error(
        `CeleriacApp "${id}" needs \`tasksModule\`: the path of your module that exports app "${app.name}" ` +
          `(e.g. \`new CeleriacApp(this, '${id}', { app, tasksModule: 'src/tasks.ts' })\`), so the worker bundles your tasks.`,
      );
    }
    this.project = findTasksProject(path.resolve(source));

    const queues = new Map<string, sqs.Queue>();
    const deadLetterQueues = new Map<string, sqs.Queue>();
    for (const settings of app.queues.values()) {
      const deadLetterQueue = new sqs.Queue(this, `DeadLetterQueue-${settings.name}`, {
        queueName: settings.deadLetterQueueName,
        retentionPeriod: Duration.seconds(DEFAULT_DLQ_RETENTION_SECONDS),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new sqs.Queue(this, `Queue-${settings.name}`, {
        queueName: settings.queueName,
        visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      });
      queues.set(settings.name, queue);
      deadLetterQueues.set(settings.name, deadLetterQueue);
    }
    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;
    this.schedules = new CeleriacSchedules(this, 'Schedules', {
      app,
      queues: new Map([...app.queues.values()].map((settings) => [settings.queueName, queues.get(settings.name)!])),
    });

    const table = new dynamodb.Table(this, 'Results', {
      tableName: app.resultsTableName,
      partitionKey: { name: TABLE_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table = table;
    // What the dashboard and `celeriac inspect` list tasks from (see sdk/core/contract/task-listing.ts).
    this.listingTable = new dynamodb.Table(this, 'Listing', {
      tableName: app.listingTableName,
      partitionKey: { name: TASK_LISTING_SHARD_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_LISTING_SORT_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TASK_LISTING_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const entry = this.entryOf('worker');
    // Its own role instead of AWSLambdaBasicExecutionRole (logs on every log group): writes to its log group only.
    const logGroup = new logs.LogGroup(this, 'WorkerLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `celeriac worker of app ${app.name}`,
    });
    logGroup.grantWrite(role);
    const worker = new NodejsFunction(this, 'Worker', {
      entry,
      // esbuild runs in the tasks module's project, whatever the working directory.
      projectRoot: this.project.projectRoot,
      depsLockFilePath: this.project.depsLockFilePath,
      handler: 'handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(app.worker.timeoutSeconds),
      memorySize: app.worker.memoryMb,
      environment: {
        [APP_ENV]: app.name,
        [SCHEDULER_ROLE_ARN_ENV]: this.schedules.role.roleArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
      logGroup,
      role,
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        target: 'node22',
      },
    });
    this.workerFunction = worker;
    Validations.of(worker).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the oldest runtime celeriac supports and its default; the `runtime` prop picks a newer one.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${countdownGroupOf(app.name)}/*]`,
      reason: 'Countdowns are one-time schedules named at run time; the wildcard covers only the app’s own countdown group.',
    });
    Validations.of(this.schedules.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the Scheduler targets (their DeadLetterConfig), which cdk-nag does not see.',
    });

    for (const settings of app.queues.values()) {
      const queue = queues.get(settings.name)!;
      const deadLetterQueue = deadLetterQueues.get(settings.name)!;
      // Extends the lease, finds queues by name and enqueues follow-up tasks.
      queue.grant(worker, 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:SendMessage');
      // The worker dead-letters poison messages itself.
      deadLetterQueue.grant(worker, 'sqs:SendMessage', 'sqs:GetQueueUrl');
      // Same mapping as SqsEventSource, under an id this construct owns.
      queue.grantConsumeMessages(worker);
      new lambda.EventSourceMapping(this, `EventSource-${settings.name}`, {
        target: worker,
        eventSourceArn: queue.queueArn,
        batchSize: settings.batchSize,
        reportBatchItemFailures: true,
        ...(settings.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds) } : {}),
        ...(settings.maxConcurrency !== undefined ? { maxConcurrency: settings.maxConcurrency } : {}),
      });
    }
    this.grantOnTable(worker, 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem');
    this.grantListing(worker);
    // Tasks may enqueue long countdowns.
    this.schedules.grantCountdowns(worker);

    this.dashboard = props.dashboard
      ? new CeleriacDashboard(this, 'Dashboard', { celeriac: this, runtime, ...(typeof props.dashboard === 'object' ? props.dashboard : {}) })
      : undefined;
  }

  /**
   * Tasks that ended in FAILURE (poison messages included), from the worker's embedded metrics;
   * all tasks of the app, or one task by name. Statistic: sum.
   * @example
   * new cloudwatch.Alarm(this, 'Failures', { metric: celeriac.metricTaskFailures(), threshold: 5, evaluationPeriods: 1 });
   */
  metricTaskFailures(options: { readonly task?: string } & cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const { task, ...props } = options;
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.tasks,
      dimensionsMap: { App: this.app.name, ...(task ? { Task: task } : {}), State: 'FAILURE' },
      statistic: 'Sum',
      ...props,
    });
  }

  /**
   * How long one task's runs take (milliseconds), from the worker's embedded metrics, by state
   * (SUCCESS by default). Statistic: p95.
   * @example
   * celeriac.metricTaskDuration('email.send')
   */
  metricTaskDuration(task: string, options: { readonly state?: string } & cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const { state = 'SUCCESS', ...props } = options;
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.duration,
      dimensionsMap: { App: this.app.name, Task: task, State: state },
      statistic: 'p95',
      ...props,
    });
  }

  /**
   * Lets `grantee` send tasks: `sqs:SendMessage`, `sqs:GetQueueUrl` and `sqs:GetQueueAttributes` on
   * every queue of the app, and countdowns beyond 15 minutes (one-time schedules in the countdown group).
   * @example
   * celeriac.grantEnqueue(webFunction);
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    const [first, ...rest] = [...this.queues.values()].map((queue) => queue.grantSendMessages(grantee));
    return rest.reduce((all, grant) => all.combine(grant), first!).combine(this.schedules.grantCountdowns(grantee));
  }

  /**
   * Lets `grantee` manage schedules at run time (`app.schedules`, `celeriac schedules`): see
   * {@link CeleriacSchedules.grantManage}.
   * @example
   * celeriac.grantSchedules(adminFunction);
   */
  grantSchedules(grantee: iam.IGrantable): iam.Grant {
    return this.schedules.grantManage(grantee);
  }

  /**
   * Lets `grantee` read task results and forget them: `dynamodb:GetItem` and `dynamodb:DeleteItem`
   * on the results table.
   * @example
   * celeriac.grantReadResults(webFunction);
   */
  grantReadResults(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnTable(grantee, 'dynamodb:GetItem', 'dynamodb:DeleteItem');
  }

  /**
   * Lets `grantee` use the control calls that write to the results table from outside a worker:
   * chords (their join item, `PutItem`), idempotency keys (`PutItem`, `DeleteItem`) and `revoke()`
   * (`UpdateItem`, and `PutItem` on the listing table to list the revoked task), besides reading results (`GetItem`).
   * @example
   * celeriac.grantControl(webFunction);
   */
  grantControl(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem').combine(this.grantListing(grantee));
  }

  /** Lets `grantee` write task listings (`PutItem` on the listing table). */
  private grantListing(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:PutItem'], resourceArns: [this.listingTable.tableArn] });
  }

  /**
   * Messages waiting in a queue (`ApproximateNumberOfMessagesVisible`): the backlog.
   * @throws {Error} when the app declares no queue named `queue`.
   * @example
   * new cloudwatch.Alarm(this, 'Backlog', { metric: celeriac.metricQueueDepth('default'), threshold: 1000, evaluationPeriods: 3 });
   */
  metricQueueDepth(queue: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lookup(this.queues, queue).metricApproximateNumberOfMessagesVisible(props);
  }

  /**
   * Messages in a queue's dead-letter queue (`ApproximateNumberOfMessagesVisible`): tasks that
   * were never recorded.
   * @throws {Error} when the app declares no queue named `queue`.
   * @example
   * new cloudwatch.Alarm(this, 'DeadLetters', { metric: celeriac.metricDeadLetterDepth('default'), threshold: 1, evaluationPeriods: 1 });
   */
  metricDeadLetterDepth(queue: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lookup(this.deadLetterQueues, queue).metricApproximateNumberOfMessagesVisible(props);
  }

  /**
   * Worker invocations that failed as a whole (`Errors`); a task's own failure is recorded, not
   * counted here.
   * @example
   * new cloudwatch.Alarm(this, 'WorkerErrors', { metric: celeriac.metricWorkerErrors(), threshold: 1, evaluationPeriods: 1 });
   */
  metricWorkerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.workerFunction.metricErrors(props);
  }

  /**
   * The entry of a function of this app: the hand-written `entry` of the worker, or one generated over
   * `tasksModule`. (The dashboard's own `entry` option is handled by the dashboard.)
   * @internal
   */
  entryOf(kind: LambdaEntryKind): string {
    const { tasksModule, entry } = this.props;
    if (tasksModule === undefined) {
      if (kind === 'worker' && entry !== undefined) return path.resolve(entry);
      throw new Error(`CeleriacApp's ${kind} needs \`tasksModule\` (or its own \`entry\`) to bundle app "${this.app.name}".`);
    }
    const absolute = path.resolve(tasksModule);
    return writeLambdaEntry(this.project.projectRoot, {
      kind,
      tasksModule: absolute,
      exportName: this.props.appExport ?? 'app',
      factoriesModule: lambdaFactoriesModule(),
      moduleName: path.relative(this.project.projectRoot, absolute).split(path.sep).join('/'),
    });
  }

  /** Name of the provisioned app (the worker's `CELERIAC_APP`). */
  get appName(): string {
    return this.app.name;
  }

  /** Where esbuild runs for this app's functions: the tasks module's project and its lock file. */
  get bundlingProject(): TasksProject {
    return this.project;
  }

  /** Item actions on the table itself, not its index (`Table.grant` would add `index/*`). */
  private grantOnTable(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }

  private lookup(queues: ReadonlyMap<string, sqs.IQueue>, name: string): sqs.IQueue {
    const queue = queues.get(name);
    if (!queue) {
      throw new Error(`Queue "${name}" is not declared in app "${this.app.name}" (declared: ${[...queues.keys()].join(', ')}).`);
    }
    return queue;
  }
}

function assertRuntime(runtime: lambda.Runtime): void {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined || Number(major) < MIN_NODE_MAJOR) {
    throw new Error(`runtime must be Node.js ${MIN_NODE_MAJOR} or newer (e.g. lambda.Runtime.NODEJS_22_X), received ${runtime.name}`);
  }
}
