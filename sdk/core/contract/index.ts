/**
 * The contract between the CDK constructs and the adapters: resource and attribute names, the
 * listing table.s schema, environment variables. SDK-free, so infra and adapters share one copy.
 */
export * from './names.js';
export * from './task-listing.js';
export * from './worker-functions.js';
