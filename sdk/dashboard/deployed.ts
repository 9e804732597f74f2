/** The user name the dashboard's basic auth asks for (deployed with a password, or `celeriac dashboard` with `CELERIAC_DASHBOARD_PASSWORD`). */
export const DASHBOARD_USERNAME = 'celeriac';

/** How the deployed dashboard is protected: `iam` (the function URL checks SigV4) or `password` (basic auth in the function). */
export type DashboardAuth = 'iam' | 'password';

/** Environment variable of the dashboard function saying how it is protected ({@link DashboardAuth}). */
export const DASHBOARD_AUTH_ENV = 'CELERIAC_DASHBOARD_AUTH';

/** Environment variable of the dashboard function naming the secret (name or ARN) that keeps its password. */
export const DASHBOARD_PASSWORD_SECRET_ENV = 'CELERIAC_DASHBOARD_PASSWORD_SECRET';
