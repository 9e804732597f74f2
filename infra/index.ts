export { CeleriacApp, DEFAULT_WORKER_ENTRY, type CeleriacAppProps } from './celeriac-app.js';
export { CeleriacDashboard, DEFAULT_DASHBOARD_ENTRY, type CeleriacDashboardOptions, type CeleriacDashboardProps } from './celeriac-dashboard.js';
