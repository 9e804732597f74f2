/**
 * Names shared by the CDK constructs (which create the resources) and the adapters (which find them
 * at run time): no AWS SDK here, so `cdk synth` loads no client.
 */

/** Partition key attribute of the results table (S): the task id. */
export const TABLE_KEY_ATTRIBUTE = 'id';

/** TTL attribute of the results table (N, epoch seconds): when a record expires. */
export const TABLE_TTL_ATTRIBUTE = 'expiresAt';

/** Environment variable of the deployed functions naming the app they were provisioned for. */
export const APP_ENV = 'CELERIAC_APP';

/** Environment variable naming the role EventBridge Scheduler assumes to send an app's messages. */
export const SCHEDULER_ROLE_ARN_ENV = 'CELERIAC_SCHEDULER_ROLE_ARN';

/** Retries Scheduler makes when sending to the queue fails, and for how long (explicit: AWS's default is 185 attempts over 24 h). */
export const SCHEDULE_RETRY_POLICY = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 } as const;

/** Name of the IAM role Scheduler assumes to send an app's messages (the CDK construct creates it). */
export function schedulerRoleName(appName: string, region: string): string {
  return `${appName}-sched-${region}`;
}

/** Name of the queue that keeps an app's schedule deliveries Scheduler could not make. */
export function schedulerDeadLetterQueueName(appName: string): string {
  return `${appName}-scheduler-dlq`;
}

/** CloudWatch namespace of the worker's metrics. */
export const METRICS_NAMESPACE = 'Celeriac';

/** Metric names: `Tasks` (count, by App/State and App/Task/State) and `TaskDuration` (milliseconds). */
export const METRIC = { tasks: 'Tasks', duration: 'TaskDuration' } as const;

/** The user name the dashboard's basic auth asks for (deployed with a password, or `celeriac dashboard` with `CELERIAC_DASHBOARD_PASSWORD`). */
export const DASHBOARD_USERNAME = 'celeriac';

/** How the deployed dashboard is protected: `iam` (the function URL checks SigV4) or `password` (basic auth in the function). */
export type DashboardAuth = 'iam' | 'password';

/** Environment variable of the dashboard function saying how it is protected ({@link DashboardAuth}). */
export const DASHBOARD_AUTH_ENV = 'CELERIAC_DASHBOARD_AUTH';

/** Environment variable of the dashboard function naming the secret (name or ARN) that keeps its password. */
export const DASHBOARD_PASSWORD_SECRET_ENV = 'CELERIAC_DASHBOARD_PASSWORD_SECRET';

/** Environment variable naming the worker function(s) whose CloudWatch metrics the Workers page reads. */
export const WORKER_FUNCTIONS_ENV = 'CELERIAC_WORKER_FUNCTIONS';

/** Shown in a task record instead of the arguments of a task with `redact: true`. */
export const REDACTED = '[redacted]';
