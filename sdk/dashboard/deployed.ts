export { DASHBOARD_AUTH_ENV, DASHBOARD_PASSWORD_SECRET_ENV, DASHBOARD_USERNAME, type DashboardAuth } from '../core/contract/names.js';
