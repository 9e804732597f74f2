/**
 * `celeriac/dashboard`: the dashboard and its JSON API, a Hono app served by `celeriac dev`, `celeriac dashboard` or Lambda.
 * @module celeriac/dashboard
 */
export { createApiRoutes, taskQueryFromUrl } from './api.js';
export { createDashboard, serveDashboard, type DashboardCredentials, type DashboardOptions, type ServedDashboard } from './server.js';
export { CachedPassword, PASSWORD_REFRESH_MS, type CachedPasswordOptions, type PasswordLoader } from './password.js';
export { DASHBOARD_AUTH_ENV, DASHBOARD_PASSWORD_SECRET_ENV, DASHBOARD_USERNAME, type DashboardAuth } from './deployed.js';
