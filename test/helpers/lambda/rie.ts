import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findFreePort } from '../../../sdk/dev/emulator/index.js';
import { withFileLock } from '../../../sdk/dev/emulator/install-lock.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.mjs', import.meta.url));

/** The AWS Lambda Runtime Interface Emulator (a Go module), pinned. */
export const LAMBDA_RIE_MODULE = 'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d';
/** The Node.js release line of the worker's Lambda runtime (`nodejs22.x`), from npm's `node` package. */
export const LAMBDA_NODE_PACKAGE = 'node@22';

const TOOLS_DIR = path.join(REPO_ROOT, '.celeriac', 'lambda-tools');

/**
 * Installs `aws-lambda-rie` with `go install` into `.celeriac/lambda-tools/bin` (first use only).
 *
 * @throws {Error} when Go is not installed or the module proxy cannot be reached.
 * @example
 * const rie = await ensureLambdaRie();
 */
export async function ensureLambdaRie(): Promise<string> {
  const bin = path.join(TOOLS_DIR, 'bin', 'aws-lambda-rie');
  if (existsSync(bin)) return bin;
  mkdirSync(TOOLS_DIR, { recursive: true });
  return withFileLock(`${TOOLS_DIR}.rie.lock`, async () => {
    if (existsSync(bin)) return bin;
    try {
      await run('go', ['install', LAMBDA_RIE_MODULE], { env: { ...process.env, GOBIN: path.join(TOOLS_DIR, 'bin'), CGO_ENABLED: '0' }, timeout: 300_000 });
    } catch (error) {
      throw new Error(
        `could not install the Lambda Runtime Interface Emulator (go install ${LAMBDA_RIE_MODULE}): ${(error as Error).message}. ` +
          'Install Go 1.26+ (https://go.dev/dl/; distribution packages are often older) and make sure the Go module proxy is reachable.',
      );
    }
    return bin;
  });
}

/**
 * Installs the Node.js binary of the Lambda runtime's release line from npm into
 * `.celeriac/lambda-tools/node` (first use only) and returns its path.
 *
 * @throws {Error} when npm cannot install it.
 * @example
 * const node = await ensureLambdaNode(); // …/node_modules/node/bin/node, v22.x
 */
export async function ensureLambdaNode(): Promise<string> {
  // The package's consumer test installs the same release line into .celeriac/node22: reuse it.
  const shared = path.join(REPO_ROOT, '.celeriac', 'node22', 'node_modules', 'node', 'bin', 'node');
  if (existsSync(shared)) return shared;
  const dir = path.join(TOOLS_DIR, 'node');
  const bin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  return withFileLock(`${dir}.lock`, async () => {
    if (existsSync(bin)) return bin;
    await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', LAMBDA_NODE_PACKAGE], { timeout: 300_000 });
    if (!existsSync(bin)) throw new Error(`npm install ${LAMBDA_NODE_PACKAGE} left no ${bin}`);
    return bin;
  });
}

/**
 * Lays a deployment package out as Lambda does: a copy of the code in `<root>/task` (a copy, not a
 * link: Node resolves imports from a module's real path) and, standing for the runtime's own SDK,
 * `<root>/node_modules/@aws-sdk`. Nothing else of this repository is resolvable from the code.
 */
export function prepareTaskRoot(codeDir: string): { root: string; taskRoot: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'celeriac-lambda-'));
  const taskRoot = path.join(root, 'task');
  cpSync(codeDir, taskRoot, { recursive: true });
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(path.join(REPO_ROOT, 'node_modules', '@aws-sdk'), path.join(root, 'node_modules', '@aws-sdk'), 'dir');
  return { root, taskRoot };
}

/** The driver of {@link invokeInFreshProcess}: imports the handler, calls it once with a context whose clock it is given. */
const ONE_SHOT = `
const [file, name, remaining, requestId] = process.argv.slice(1);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const event = JSON.parse(Buffer.concat(chunks).toString());
const deadline = Date.now() + Number(remaining);
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, awsRequestId: requestId, logGroupName: '/aws/lambda/x', logStreamName: 'x',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {},
};
let out;
try { out = { payload: (await (await import(file))[name](event, context)) ?? null, functionError: false }; }
catch (error) { out = { payload: { errorType: error?.name, errorMessage: error?.message }, functionError: true }; }
process.stdout.write('\\n@@result ' + JSON.stringify(out) + '\\n');
process.exit(0);
`;

/**
 * Invokes a deployment package's handler once in a fresh Node.js process (the Lambda runtime's
 * release line), with a Lambda context whose deadline is `remainingMs` away when the handler is
 * called: for deadlines too short for the Runtime Interface Emulator, which gives the cold start
 * the invocation's timeout.
 *
 * @throws {Error} when the process prints no result.
 * @example
 * const { payload } = await invokeInFreshProcess(spec, { Records: [] }, 500);
 */
export async function invokeInFreshProcess<T = unknown>(
  spec: LambdaFunctionSpec,
  event: unknown,
  remainingMs: number,
): Promise<{ payload: T; functionError: boolean }> {
  const node = await ensureLambdaNode();
  const { root, taskRoot } = prepareTaskRoot(spec.codeDir);
  const [moduleName, exportName] = spec.handler.split('.') as [string, string];
  try {
    const file = path.join(taskRoot, `${moduleName}.mjs`);
    const child = spawn(node, ['--input-type=module', '-e', ONE_SHOT, file, exportName, String(remainingMs), randomUUID()], {
      cwd: taskRoot,
      env: {
        PATH: process.env.PATH,
        ...spec.environment,
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end(JSON.stringify(event));
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const line = output.split('\n').find((candidate) => candidate.startsWith('@@result '));
    if (!line) throw new Error(`the handler process printed no result:\n${output}`);
    return JSON.parse(line.slice('@@result '.length)) as { payload: T; functionError: boolean };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** What Lambda knows about a function: its handler, timeout, memory and environment. */
export interface LambdaFunctionSpec {
  /** Directory holding the function's code (its unzipped deployment package). */
  readonly codeDir: string;
  /** `<module>.<export>`, e.g. `index.handler`. */
  readonly handler: string;
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The function's environment variables (the AWS_* endpoint and credentials included). */
  readonly environment: Readonly<Record<string, string>>;
}

/** A function running under the Runtime Interface Emulator. */
export interface RunningLambda {
  /** Invokes the function once (RequestResponse) and returns its parsed response, or the function error. */
  invoke<T = unknown>(event: unknown): Promise<{ readonly payload: T; readonly functionError: boolean }>;
  /** The emulator's and runtime's output so far. */
  output(): string;
  /** Stops the emulator (and the runtime process it runs). */
  stop(): Promise<void>;
}

/**
 * Runs a deployment package under `aws-lambda-rie` with the Lambda runtime's Node.js: a fresh
 * process that loads `handler` from `codeDir` at its first invocation, as Lambda does. Only
 * `@aws-sdk/*` is resolvable beside the code (the runtime provides it), nothing else of this repository.
 *
 * @throws {Error} when the emulator or Node.js cannot be installed.
 * @example
 * const fn = await startLambda({ codeDir, handler: 'index.handler', functionName: 'w', timeoutSeconds: 30, memoryMb: 512, environment: {} });
 * const { payload } = await fn.invoke({ Records: [] });
 */
export async function startLambda(spec: LambdaFunctionSpec): Promise<RunningLambda> {
  const [rie, node] = await Promise.all([ensureLambdaRie(), ensureLambdaNode()]);
  const { root, taskRoot } = prepareTaskRoot(spec.codeDir);
  const [invokePort, runtimePort] = [await findFreePort(), await findFreePort()];
  const child = spawn(
    rie,
    ['--runtime-interface-emulator-address', `127.0.0.1:${invokePort}`, '--runtime-api-address', `127.0.0.1:${runtimePort}`, node, BOOTSTRAP, spec.handler],
    {
      cwd: taskRoot,
      env: {
        PATH: process.env.PATH,
        LANG: 'en_US.UTF-8',
        TZ: ':UTC',
        ...spec.environment,
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
        AWS_LAMBDA_FUNCTION_TIMEOUT: String(spec.timeoutSeconds),
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${invokePort}/2015-03-31/functions/function/invocations`;
  return {
    async invoke<T>(event: unknown) {
      let lastError: unknown;
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          const response = await fetch(url, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout((spec.timeoutSeconds + 30) * 1000) });
          const text = await response.text();
          // A timeout (of the init or the invocation) comes back as plain text: "Task timed out after …".
          if (/^Task timed out/.test(text)) return { payload: { errorType: 'Sandbox.Timedout', errorMessage: text } as T, functionError: true };
          const payload = JSON.parse(text) as T & { errorType?: string };
          return { payload, functionError: typeof payload === 'object' && payload !== null && 'errorType' in payload };
        } catch (error) {
          // The emulator binds its port a moment after it starts.
          if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw new Error(`invoke failed: ${(error as Error).message}\n${output}`);
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw new Error(`the Lambda emulator never answered: ${(lastError as Error).message}\n${output}`);
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
