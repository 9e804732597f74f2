export { CeleriacApp, type CeleriacAppProps } from './celeriac-app.js';
export { CeleriacDashboard, type CeleriacDashboardOptions, type CeleriacDashboardProps } from './celeriac-dashboard.js';
export { CeleriacSchedules, type CeleriacSchedulesProps } from './celeriac-schedules.js';
export { lambdaEntrySource, type LambdaEntryKind, type LambdaEntrySource } from './lambda-entry.js';
