export { createApiRoutes, taskQueryFromUrl } from './api.js';
export { createDashboard, serveDashboard, type DashboardOptions, type ServedDashboard } from './server.js';
