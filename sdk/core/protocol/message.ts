/**
 * One entry to read a queue message: celeriac's envelope, or a Celery message (kombu's SQS layout,
 * protocol v2 or v1) read into the same envelope.
 */
import { decodeCeleryMessage, isCeleryMessage } from './celery.js';
import { decodeEnvelope, type Envelope, type EnvelopeSource } from './envelope.js';

/**
 * Decodes a message body in either format.
 * @throws {EnvelopeError} for a body that is neither format (see {@link decodeEnvelope}).
 * @throws {CeleryMessageError} for a malformed or unsupported Celery message (see {@link decodeCeleryMessage}).
 * @example
 * decodeMessageBody('{"task":"math.add","args":[4,4]}', { messageId: 'm-1' }).task // 'math.add'
 */
export function decodeMessageBody(body: string, source: EnvelopeSource = {}): Envelope {
  return isCeleryMessage(body) ? decodeCeleryMessage(body, source) : decodeEnvelope(body, source);
}
