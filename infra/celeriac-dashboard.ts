import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  APP_ENV,
  DASHBOARD_AUTH_ENV,
  DASHBOARD_PASSWORD_SECRET_ENV,
  SCHEDULER_ROLE_ARN_ENV,
  WORKER_FUNCTIONS_ENV,
  type DashboardAuth,
} from '../sdk/core/contract/index.js';
import type { LambdaEntryKind, TasksProject } from './lambda-entry.js';

/** Options of the deployed dashboard (`CeleriacApp`'s `dashboard` prop). */
export interface CeleriacDashboardOptions {
  /**
   * Path of a hand-written dashboard entry exporting `handler` (e.g. `createDashboardHandler(app)`
   * from `celeriac/lambda`), bundled with esbuild.
   * @default - generated over the app's `tasksModule`
   */
  readonly entry?: string;
  /**
   * How the dashboard is protected. `iam`: the function URL has IAM auth, callers sign requests with
   * SigV4 (see {@link CeleriacDashboard.grantAccess}). `password`: the URL is public (auth type NONE)
   * and the function asks for HTTP basic auth, user `celeriac`, with the password kept in
   * `passwordSecret`.
   * @default 'iam'
   */
  readonly auth?: DashboardAuth;
  /**
   * The secret holding the password (`auth: 'password'` only): its string, or its JSON's `password`
   * field. The function reads it at cold start and again, at most once a minute, after a failed check,
   * so a rotated password works within a minute.
   * @default - a secret this construct creates: 32 generated letters and digits
   */
  readonly passwordSecret?: secretsmanager.ISecret;
}

/**
 * What the dashboard needs of the app it shows (a `CeleriacApp` is one): its resources, the worker it
 * reads metrics of, and how its functions are bundled.
 */
export interface CeleriacDashboardTarget {
  /** Name of the app. */
  readonly appName: string;
  /** The task queues, by logical queue name. */
  readonly queues: ReadonlyMap<string, sqs.IQueue>;
  /** The dead-letter queues, by logical name of the queue they serve. */
  readonly deadLetterQueues: ReadonlyMap<string, sqs.IQueue>;
  /** The results table. */
  readonly table: dynamodb.ITable;
  /** The listing table the Tasks page reads. */
  readonly listingTable: dynamodb.ITable;
  /** The worker function. */
  readonly workerFunction: lambda.IFunction;
  /** The schedules: their group and the role Scheduler assumes. */
  readonly schedules: { readonly group: scheduler.IScheduleGroup; readonly role: iam.IRole };
  /** Where esbuild runs for the app's functions. */
  readonly bundlingProject: TasksProject;
  /** The generated entry of one of the app's functions. */
  entryOf(kind: LambdaEntryKind): string;
}

/** Properties of a {@link CeleriacDashboard}. */
export interface CeleriacDashboardProps extends CeleriacDashboardOptions {
  /** The app whose queues and results the dashboard shows. */
  readonly celeriac: CeleriacDashboardTarget;
  /** Lambda runtime (the app's). */
  readonly runtime: lambda.Runtime;
}

/**
 * The dashboard on Lambda behind a function URL, protected in one of two ways:
 * - `auth: 'iam'` (default): the URL has IAM auth; callers need `lambda:InvokeFunctionUrl` (see
 *   {@link CeleriacDashboard.grantAccess}) and sign their requests (e.g. through a SigV4 proxy, or
 *   CloudFront with origin access control);
 * - `auth: 'password'`: the URL is public and the function asks for HTTP basic auth (user `celeriac`)
 *   against a password kept in Secrets Manager, generated here unless `passwordSecret` is given.
 *
 * Its role may read task records (and write one REVOKED record per revoke), read queue counts, read,
 * send, delete and move dead letters, purge, list, pause and resume the app's schedules, read the
 * worker function's metrics (`cloudwatch:GetMetricData`), write its own logs and, with a password,
 * read that one secret: nothing else.
 *
 * Construct ids are stable API: `Function`, `Role`, `Logs`, `Password`, `Url`, `PasswordSecretArn`.
 * @throws {Error} when `passwordSecret` is given without `auth: 'password'`.
 */
export class CeleriacDashboard extends Construct {
  /** The dashboard function. */
  readonly function: lambda.IFunction;
  /** Its URL: IAM auth, or none (auth type NONE) when the function checks a password. */
  readonly url: lambda.FunctionUrl;
  /** How the dashboard is protected. */
  readonly auth: DashboardAuth;
  /** The secret holding the password (`auth: 'password'`). */
  readonly passwordSecret: secretsmanager.ISecret | undefined;

  constructor(scope: Construct, id: string, props: CeleriacDashboardProps) {
    super(scope, id);
    const { celeriac } = props;
    this.auth = props.auth ?? 'iam';
    if (this.auth !== 'iam' && this.auth !== 'password') throw new Error(`dashboard auth must be 'iam' or 'password', received ${JSON.stringify(this.auth)}`);
    if (props.passwordSecret && this.auth !== 'password') {
      throw new Error("dashboard passwordSecret is used only with auth: 'password' (with IAM auth the function URL checks callers).");
    }
    // Its own role instead of AWSLambdaBasicExecutionRole (logs on every log group): writes to its log group only.
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'celeriac dashboard',
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? celeriac.entryOf('dashboard'),
      projectRoot: celeriac.bundlingProject.projectRoot,
      depsLockFilePath: celeriac.bundlingProject.depsLockFilePath,
      handler: 'handler',
      runtime: props.runtime,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [APP_ENV]: celeriac.appName,
        [DASHBOARD_AUTH_ENV]: this.auth,
        // The Workers page reads this function's AWS/Lambda metrics (it works every queue).
        [WORKER_FUNCTIONS_ENV]: celeriac.workerFunction.functionName,
      },
      logGroup,
      role,
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        target: 'node22',
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    this.function = fn;
    this.url = fn.addFunctionUrl({ authType: this.auth === 'iam' ? lambda.FunctionUrlAuthType.AWS_IAM : lambda.FunctionUrlAuthType.NONE });
    this.passwordSecret =
      this.auth === 'password'
        ? (props.passwordSecret ??
          new secretsmanager.Secret(this, 'Password', {
            description: 'Password of the celeriac dashboard (HTTP basic auth, user celeriac)',
            // Letters and digits only: nothing awkward in a header, a URL or a shell.
            generateSecretString: { passwordLength: 32, excludePunctuation: true },
          }))
        : undefined;
    if (this.passwordSecret) {
      this.passwordSecret.grantRead(fn);
      fn.addEnvironment(DASHBOARD_PASSWORD_SECRET_ENV, this.passwordSecret.secretArn);
    }

    const tableArn = celeriac.table.tableArn;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'], resources: [tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:PutItem'], resources: [celeriac.listingTable.tableArn] }));
    const queues = [...celeriac.queues.values()];
    const deadLetters = [...celeriac.deadLetterQueues.values()];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage', 'sqs:PurgeQueue'],
        resources: [...queues, ...deadLetters].map((q) => q.queueArn),
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks'],
        resources: deadLetters.map((q) => q.queueArn),
      }),
    );
    // Schedules page: list (no resource-level permission), read, pause and resume the app's schedules.
    const schedules = celeriac.schedules;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['scheduler:ListSchedules'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        resources: [
          Stack.of(this).formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${schedules.group.scheduleGroupName}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    schedules.role.grantPassRole(fn.grantPrincipal);
    fn.addEnvironment(SCHEDULER_ROLE_ARN_ENV, schedules.role.roleArn);
    // Workers page: the worker function's metrics. GetMetricData has no resource-level permission in IAM.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));

    new CfnOutput(this, 'Url', {
      value: this.url.url,
      description:
        this.auth === 'iam' ? 'Dashboard URL (IAM auth: sign requests with SigV4)' : 'Dashboard URL (basic auth: user celeriac, password in PasswordSecretArn)',
    });
    if (this.passwordSecret) {
      new CfnOutput(this, 'PasswordSecretArn', {
        value: this.passwordSecret.secretArn,
        description: 'Secret holding the dashboard password: aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
      });
    }

    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the oldest runtime celeriac supports and its default; the `runtime` prop picks a newer one.',
    });
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'scheduler:ListSchedules and cloudwatch:GetMetricData have no resource-level permissions in IAM; both only read.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${schedules.group.scheduleGroupName}/*]`,
        reason:
          'The Schedules page reads, pauses and resumes the app’s schedules, declared or created at run time; the wildcard covers only the app’s own schedule group.',
      },
    );
    if (this.passwordSecret && !props.passwordSecret) {
      Validations.of(this.passwordSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A generated dashboard password, rotated by hand (put a new value: the function reads it again within a minute); a rotation Lambda would be more to run than it protects.',
      });
    }
  }

  /**
   * Lets `grantee` open the dashboard (`auth: 'iam'`): `lambda:InvokeFunctionUrl` on the function.
   * @throws {Error} with `auth: 'password'`, where the URL is public and the password is the key.
   * @example
   * celeriac.dashboard!.grantAccess(opsRole);
   */
  grantAccess(grantee: iam.IGrantable): iam.Grant {
    if (this.auth !== 'iam') {
      throw new Error("grantAccess: this dashboard uses a password (auth: 'password'); grant reading its secret (passwordSecret.grantRead) instead.");
    }
    return this.url.grantInvokeUrl(grantee);
  }
}
