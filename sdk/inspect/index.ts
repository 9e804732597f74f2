export { createAwsInspector, type AwsInspectorOptions } from './aws.js';
export { Inspector, type InspectorOptions, type LocalCounters, type RegisteredTask, type RevokeOutcome } from './inspector.js';
export { globPrefix, matchesName, parseStates, parseTaskSearch, parseTime } from './query.js';
export type * from './types.js';
export { parseWorkerFunctions, WORKER_FUNCTIONS_ENV } from './worker-functions.js';
