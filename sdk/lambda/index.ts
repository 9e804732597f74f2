/**
 * `celeriac/lambda`: the handler factories of the functions the `CeleriacApp` construct deploys,
 * for a hand-written entry (`entry` prop) or another deployment tool.
 * @example
 * import { createWorkerHandler } from 'celeriac/lambda';
 * import { app } from './tasks.js';
 * export const handler = createWorkerHandler(app);
 * @module celeriac/lambda
 */
export { appFromModule, type AppFromModuleOptions } from './app-module.js';
export { createDashboardHandler, createDeployedDashboard, type DashboardHandler, type DeployedDashboardClients } from './dashboard-handler.js';
export { createWorkerHandler, type WorkerHandler } from './worker-handler.js';
