/**
 * `celeriac/inspect`: the monitoring API (Flower's data): task listings and search, queue counts, dead letters, redrive, revoke, worker activity.
 * @module celeriac/inspect
 */
export { createAwsInspector, type AwsInspectorOptions } from '../aws-inspector.js';
export { Inspector, type InspectorOptions, type LocalCounters, type RegisteredTask, type RevokeOutcome } from './inspector.js';
export { globPrefix, matchesName, parseStates, parseTaskSearch, parseTime, type ParseStateOptions } from './query.js';
export type * from '../core/ports/inspection.js';
export { parseWorkerFunctions, WORKER_FUNCTIONS_ENV } from '../core/contract/index.js';
