/**
 * `celeriac/worker`: the worker core (decode → validate → claim → run → record, a batch → `batchItemFailures`), over the ports; `celeriac/lambda` wraps it for Lambda.
 * @module celeriac/worker
 */
export { formatWorkerEvent, type WorkerEvent } from './events.js';
export { toStoredError } from './stored-error.js';
export { Worker, type BatchOptions, type BatchResponse, type Disposition, type QueueRecord, type WorkerOptions } from './worker.js';
