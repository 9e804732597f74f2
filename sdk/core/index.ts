export { App, createCoreApp, type ResolvedQueue, type ResolvedWorker } from './app.js';
export { AsyncResult, type GetOptions } from './async-result.js';
export { currentTask, type RetryOptions, type TaskContext } from './context.js';
export * as defaults from './defaults.js';
export {
  ArgsValidationError,
  CeleriacError,
  ConfigError,
  EnqueueError,
  EnvelopeError,
  ErrorCode,
  MaxRetriesExceededError,
  NoTaskContextError,
  NotSupportedError,
  OptionsError,
  PayloadTooLargeError,
  ResultRecordError,
  ResultTimeoutError,
  ResultTooLargeError,
  TaskError,
  TaskRevokedError,
  TimeLimitExceededError,
  UnknownTaskError,
  isTransientError,
  type StoredError,
} from './errors.js';
export type { Jsonify, JsonValue, TaskReturn } from './json.js';
export type { AppConfig, ApplyOptions, ErrorClass, QueueOptions, TaskDefaults, TaskOptions, Transport, WorkerSettings } from './options.js';
export type { Broker, ClaimOutcome, ClaimRequest, Clock, DeadLetter, OutgoingMessage, ResultBackend, SendOutcome, TaskRecord } from './ports/index.js';
export { systemClock } from './ports/index.js';
export { decodeEnvelope, encodeEnvelope, type Envelope } from './protocol/envelope.js';
export { retryDelaySeconds, type RetryPolicy } from './retry.js';
export { Ignore, Reject, Retry } from './signals.js';
export { isReadyState, READY_STATES, TaskState } from './states.js';
export { Task, type AnyTask } from './task.js';
