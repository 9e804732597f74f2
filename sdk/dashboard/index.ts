export { createApiRoutes, taskQueryFromUrl } from './api.js';
export { createDashboard, serveDashboard, type DashboardCredentials, type DashboardOptions, type ServedDashboard } from './server.js';
export { CachedPassword, PASSWORD_REFRESH_MS, type CachedPasswordOptions, type PasswordLoader } from './password.js';
