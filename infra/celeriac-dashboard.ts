import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TASK_INDEX_NAME } from '../sdk/aws/task-index.js';
import type { CeleriacApp } from './celeriac-app.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The dashboard handler shipped with celeriac. */
export const DEFAULT_DASHBOARD_ENTRY = path.join(REPO_ROOT, 'functions', 'dashboard', 'handler.ts');

/** Options of the deployed dashboard (`CeleriacApp`'s `dashboard` prop). */
export interface CeleriacDashboardOptions {
  /**
   * Path of the dashboard handler file, bundled with esbuild.
   * @default - `functions/dashboard/handler.ts` of the celeriac repository
   */
  readonly entry?: string;
}

/** Properties of a {@link CeleriacDashboard}. */
export interface CeleriacDashboardProps extends CeleriacDashboardOptions {
  /** The app whose queues and results the dashboard shows. */
  readonly celeriac: CeleriacApp;
  /** Lambda runtime (the app's). */
  readonly runtime: lambda.Runtime;
}

/**
 * The dashboard on Lambda behind a function URL with IAM auth: callers need
 * `lambda:InvokeFunctionUrl` (see {@link CeleriacDashboard.grantAccess}) and sign their requests
 * (e.g. through a SigV4 proxy, or CloudFront with origin access control).
 *
 * Its role may read task records (and write one REVOKED record per revoke), read queue counts, read,
 * send, delete and move dead letters, purge, and list, pause and resume the app's schedules: nothing
 * else.
 */
export class CeleriacDashboard extends Construct {
  /** The dashboard function. */
  readonly function: lambda.IFunction;
  /** Its URL (IAM auth). */
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: CeleriacDashboardProps) {
    super(scope, id);
    const { celeriac } = props;
    const fn = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? DEFAULT_DASHBOARD_ENTRY,
      handler: 'handler',
      runtime: props.runtime,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: { format: OutputFormat.ESM, mainFields: ['module', 'main'], minify: true, sourceMap: true, target: 'node22',
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    this.function = fn;
    this.url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    const tableArn = celeriac.table.tableArn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'], resources: [tableArn] }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${tableArn}/index/${TASK_INDEX_NAME}`] }));
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
        resources: [Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${schedules.group.scheduleGroupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      }),
    );
    schedules.role.grantPassRole(fn.grantPrincipal);
    fn.addEnvironment('CELERIAC_SCHEDULER_ROLE_ARN', schedules.role.roleArn);
    new CfnOutput(this, 'Url', { value: this.url.url, description: 'Dashboard URL (IAM auth: sign requests with SigV4)' });
  }

  /**
   * Lets `grantee` open the dashboard: `lambda:InvokeFunctionUrl` on the function.
   * @example
   * celeriac.dashboard!.grantAccess(opsRole);
   */
  grantAccess(grantee: iam.IGrantable): iam.Grant {
    return this.url.grantInvokeUrl(grantee);
  }
}
