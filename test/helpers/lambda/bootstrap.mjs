// A Node.js custom runtime for the Lambda Runtime API (what AWS's nodejs runtime does): loads the
// handler named by _HANDLER ("index.handler") from LAMBDA_TASK_ROOT, then loops: next invocation,
// call the handler with a Lambda context, post its result or its error. Run by aws-lambda-rie.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const [moduleName, exportName] = (process.env._HANDLER ?? 'index.handler').split('.');

function errorBody(error) {
  return JSON.stringify({
    errorType: error?.name ?? 'Error',
    errorMessage: error?.message ?? String(error),
    stackTrace: String(error?.stack ?? '').split('\n'),
  });
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  await response.arrayBuffer();
}

let handler;
try {
  const file = ['.mjs', '.js', '.cjs'].map((ext) => path.join(root, moduleName + ext)).find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`Cannot find module '${moduleName}' in ${root}`);
  handler = (await import(pathToFileURL(file).href))[exportName];
  if (typeof handler !== 'function') throw new Error(`${moduleName}.${exportName} is not a function`);
} catch (error) {
  console.error('init error', error);
  await post(`${api}/init/error`, errorBody(error), { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' });
  process.exit(1);
}

for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const requestId = next.headers.get('lambda-runtime-aws-request-id');
  const deadlineMs = Number(next.headers.get('lambda-runtime-deadline-ms'));
  const event = await next.json();
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: next.headers.get('lambda-runtime-invoked-function-arn'),
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(event, context);
    await post(`${api}/invocation/${requestId}/response`, JSON.stringify(result ?? null));
  } catch (error) {
    console.error('invoke error', error);
    await post(`${api}/invocation/${requestId}/error`, errorBody(error), { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' });
  }
}
