export {
  EMULATOR_VENV_DIR,
  LOCALSTACK_ENDPOINT,
  MOTO_REQUIREMENT,
  MOTO_VERSION,
  applyLocalAwsEnv,
  ensureMotoInstalled,
  findFreePort,
  resetEmulator,
  resolveEndpoint,
  startEmulator,
} from './moto.js';
export type {
  EmulatorOptions,
  ResolvedEndpoint,
  RunningEmulator,
  StartEmulatorOptions,
} from './moto.js';
