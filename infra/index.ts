/**
 * `celeriac/infra`: the CDK constructs: `CeleriacApp` (queues, dead-letter queues, results table, worker, schedules, optional dashboard).
 * @module celeriac/infra
 */
export { CeleriacApp, type CeleriacAppProps } from './celeriac-app.js';
export { CeleriacDashboard, type CeleriacDashboardOptions, type CeleriacDashboardProps, type CeleriacDashboardTarget } from './celeriac-dashboard.js';
export { CeleriacSchedules, type CeleriacSchedulesProps } from './celeriac-schedules.js';
export { lambdaEntrySource, type LambdaEntryKind, type LambdaEntrySource, type TasksProject } from './lambda-entry.js';
