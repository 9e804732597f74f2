import { devEmulatorStatus, type DevEmulatorOptions } from './emulator/background.js';
import { EmulatorError } from './errors.js';
import { findProjectRoot } from './project-root.js';

/** The variables that point an AWS SDK, the AWS CLI or boto3 at the dev emulator. */
export interface DevAwsEnv {
  readonly AWS_ENDPOINT_URL: string;
  readonly AWS_REGION: string;
  readonly AWS_DEFAULT_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
}

/**
 * The environment that points a script at an endpoint: `AWS_ENDPOINT_URL` (read by the AWS SDKs for
 * JavaScript v3, boto3 ≥ 1.28 and the AWS CLI v2 ≥ 2.13), the region (`us-east-1` unless `AWS_REGION` is set)
 * and dummy credentials (unless set).
 * @example
 * const env = awsEnvFor('http://127.0.0.1:4599');
 */
export function awsEnvFor(endpoint: string): DevAwsEnv {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || 'test',
  };
}

/**
 * For a user's own scripts: the environment of the project's running dev emulator (the one
 * `celeriac dev` starts), as `celeriac env` prints it. Spread it into `process.env` or a child's `env`.
 * @throws {EmulatorError} when no emulator runs in this project, saying how to start one.
 * @example
 * import { devAwsEnv } from 'celeriac/dev';
 * Object.assign(process.env, await devAwsEnv());
 * const sqs = new SQSClient({}); // talks to the dev emulator
 */
export async function devAwsEnv(options: DevEmulatorOptions = {}): Promise<DevAwsEnv> {
  const status = await devEmulatorStatus(options);
  if (!status.running) {
    throw new EmulatorError(
      `no emulator is running in ${options.projectRoot ?? findProjectRoot()} (${status.reason}): start one with \`npx celeriac dev\` or \`npx celeriac emulator start\`.`,
    );
  }
  return awsEnvFor(status.record.endpoint);
}

/**
 * Formats variables as shell `export` lines, for `eval "$(celeriac env)"`.
 * @example
 * formatShellEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' }); // "export AWS_ENDPOINT_URL='http://127.0.0.1:4599'"
 */
export function formatShellEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}
