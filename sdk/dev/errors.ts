import { CeleriacError, ErrorCode } from '../core/errors.js';

/** The local emulator of `celeriac dev` could not be started, reached or stopped. The message says what to do. */
export class EmulatorError extends CeleriacError {
  override name = 'EmulatorError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.EMULATOR_FAILED, message, options);
  }
}

/** The AWS endpoint in use does not answer, or not as AWS does. The message names the setting and the fix. */
export class EndpointError extends CeleriacError {
  override name = 'EndpointError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.ENDPOINT_UNUSABLE, message, options);
  }
}
