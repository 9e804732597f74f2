/**
 * `celeriac/dev`: what runs only on a developer's machine and in tests (the embedded AWS emulator,
 * the local stand-ins for Lambda's SQS event source and for EventBridge Scheduler, and provisioning
 * of an app's resources on an emulator). Never imported by the SDK's production entry points.
 * @module celeriac/dev
 */
export * from './emulator/index.js';
export { LocalRuntime, toRecord, type LocalRuntimeOptions, type LocalRuntimeStats, type SqsHandler } from './local-runtime.js';
export { LocalScheduler, type Firing, type LocalSchedulerOptions } from './local-scheduler.js';
export { localClients, provisionLocalResources, provisionLocalSchedules, type ProvisionedQueue } from './provision.js';
export {
  DEFAULT_EMULATOR_PORT,
  EMULATOR_FILES,
  EMULATOR_PORT_ENV,
  devEmulatorStatus,
  emulatorPort,
  resetDevEmulator,
  startDevEmulator,
  stopDevEmulator,
  type DevEmulatorOptions,
  type DevEmulatorRecord,
  type DevEmulatorStart,
  type DevEmulatorStatus,
} from './emulator/background.js';
export { awsEnvFor, devAwsEnv, formatShellEnv, type DevAwsEnv } from './env.js';
export { checkEndpoint, describeEndpointFailure } from './endpoint-check.js';
export { EmulatorError, EndpointError } from './errors.js';
export { findProjectRoot, PROJECT_ROOT_ENV, STATE_DIR, stateDir } from './project-root.js';
