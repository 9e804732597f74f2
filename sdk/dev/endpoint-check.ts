import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EndpointError } from './errors.js';

/** Errors of the network, not of AWS: the endpoint does not answer at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'TimeoutError', 'AbortError']);

/**
 * Checks, with one cheap SQS call, that `endpoint` answers as AWS does, so that a wrong
 * `AWS_ENDPOINT_URL` is reported at start-up, naming the setting and the fix, rather than as a bare
 * `ECONNREFUSED` or the SDK's deserialisation text on the first task.
 *
 * An AWS error answer (e.g. an access denial) counts as answering: it is AWS's protocol.
 * @param setting - how the endpoint was given, named in the message
 * @default setting - `'AWS_ENDPOINT_URL'`
 * @throws {EndpointError} when the endpoint does not answer, or answers something that is not AWS's SQS API.
 * @example
 * await checkEndpoint(process.env.AWS_ENDPOINT_URL!);
 */
export async function checkEndpoint(endpoint: string, setting = 'AWS_ENDPOINT_URL', timeoutMs = 5_000): Promise<void> {
  const sqs = new SQSClient({ endpoint, maxAttempts: 1, region: process.env.AWS_REGION || 'us-east-1' });
  try {
    await sqs.send(new ListQueuesCommand({ MaxResults: 1 }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw describeEndpointFailure(error, endpoint, setting) ?? error;
  } finally {
    sqs.destroy();
  }
}

/** The {@link EndpointError} for an error of a call to `endpoint`, or undefined when it is an answer of AWS's. */
export function describeEndpointFailure(error: unknown, endpoint: string, setting = 'AWS_ENDPOINT_URL'): EndpointError | undefined {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string };
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    Code?: string;
    __type?: string;
  };
  const code = e.code ?? e.cause?.code ?? e.name ?? '';
  const unset = `or unset ${setting} to let \`celeriac dev\` run its own emulator`;
  if (UNREACHABLE.has(code)) {
    return new EndpointError(
      `${setting}=${endpoint} does not answer (${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''}). ` +
        `Start the emulator it points at (LocalStack listens on http://localhost:4566, \`celeriac emulator start\` on its own port), fix the URL, ${unset}.`,
      { cause: error },
    );
  }
  // A service error parsed from an AWS-shaped answer: the endpoint speaks the protocol.
  if (e.$fault !== undefined && (e.Code !== undefined || e.__type !== undefined)) return undefined;
  return new EndpointError(
    `${setting}=${endpoint} answers, but not as the AWS SQS API does (${e.$metadata?.httpStatusCode ? `HTTP ${e.$metadata.httpStatusCode}: ` : ''}${firstLine(e.message ?? String(error))}). ` +
      `It should be an AWS endpoint or an emulator of one (LocalStack, moto): fix the URL, ${unset}.`,
    { cause: error },
  );
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
