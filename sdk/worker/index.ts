export { formatWorkerEvent, type WorkerEvent } from './events.js';
export { toStoredError } from './stored-error.js';
export { Worker, type BatchOptions, type BatchResponse, type Disposition, type QueueRecord, type WorkerOptions } from './worker.js';
