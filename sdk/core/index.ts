export { App, createCoreApp, type ResolvedQueue, type ResolvedWorker, type RevokeHandler, type RevokeOptions } from './app.js';
export * from './canvas/index.js';
export { Hooks, type HookEvents, type HookHandler, type HookName } from './hooks.js';
export { parseRateLimit, type RateLimit } from './rate-limit.js';
export { AsyncResult, type GetOptions } from './async-result.js';
export { ArgsNotJsonError, assertJsonArgs } from './json-args.js';
export { currentTask, type RetryOptions, type StateUpdate, type TaskContext } from './context.js';
export * as defaults from './defaults.js';
export {
  ArgsValidationError,
  BackendError,
  CeleriacError,
  CeleryMessageError,
  ChordError,
  ConfigError,
  EnqueueError,
  EnvelopeError,
  ErrorCode,
  isTransientError,
  MaxRetriesExceededError,
  NoTaskContextError,
  OptionsError,
  PayloadTooLargeError,
  QueueAdminError,
  QueueNotFoundError,
  ResultRecordError,
  ResultTimeoutError,
  ResultTooLargeError,
  ScheduleError,
  ScheduleExistsError,
  ScheduleNotFoundError,
  SchedulerError,
  SoftTimeLimitExceeded,
  SoftTimeLimitExceededError,
  type StoredError,
  TaskAlreadyRegisteredError,
  TaskError,
  TaskRevokedError,
  TimeLimitExceededError,
  UnknownTaskError,
  WorkerMetricsError,
} from './errors.js';
export type { Jsonify, JsonValue, TaskReturn } from './json.js';
export type { AppConfig, ApplyOptions, ErrorClass, QueueOptions, TaskDefaults, TaskOptions, Transport, WorkerSettings } from './options.js';
export type {
  Broker,
  ClaimOutcome,
  ClaimRequest,
  Clock,
  DeadLetter,
  OutgoingMessage,
  ResultBackend,
  RetryEntry,
  ScheduleSpec,
  Scheduler,
  SendOutcome,
  StoredSchedule,
  TaskMonitoring,
  TaskRecord,
} from './ports/index.js';
export type { BuiltSchedule, ScheduleArgs, ScheduleOptions, ScheduleSettings, ScheduleTiming } from './schedule/definition.js';
export type { ScheduleChanges, ScheduleInfo, Schedules, TaskRef } from './schedule/schedules.js';
export type { ResolvedTaskOptions } from './task-send.js';
export type { RevokeOutcome, RevokeRequest } from './ports/result-backend.js';
export type { ChordJoin, ChordRecord, Coordination, IdempotencyOutcome, IdempotencyRequest, RateSlot, RateSlotRequest } from './ports/coordination.js';
export { systemClock } from './ports/index.js';
export { decodeEnvelope, encodeEnvelope, type Envelope } from './protocol/envelope.js';
export { decodeCeleryMessage, isCeleryMessage } from './protocol/celery.js';
export { encodeCeleryMessage, type CeleryMessageSpec } from './protocol/celery-encode.js';
export { decodeMessageBody } from './protocol/message.js';
export { RemoteTask, type RemoteApplyOptions, type RemoteTaskOptions } from './remote-task.js';
export { retryDelaySeconds, type RetryPolicy } from './retry.js';
export { Ignore, Reject, Retry } from './signals.js';
export { CUSTOM_STATE, isReadyState, READY_STATES, TaskState, type AnyState } from './states.js';
export type { JsonParameters, KwargsOf, NotJsonArgs, PositionalOf } from './task-args.js';
export { Task, type AnyTask, type WorkflowFields } from './task.js';
