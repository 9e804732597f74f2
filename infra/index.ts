export { CeleriacApp, DEFAULT_WORKER_ENTRY, type CeleriacAppProps } from './celeriac-app.js';
