import { startEmulator } from '../../sdk/dev/emulator/index.js';

/**
 * Two races of moto's server that AWS does not have, and that the soak is not about:
 * - DynamoDB: a conditional write is applied without a per-item lock, so two concurrent `UpdateItem`
 *   calls with `attribute_not_exists(id)` can both succeed (seen in the soak: one body run twice).
 * - SQS: `Queue.delete_message` rebuilds the message list from a snapshot without a lock, so a message
 *   sent during a delete is dropped (seen in the soak: whole sent batches never delivered).
 * This emulator serialises those calls with one lock. Duplicate receives (moto's receive takes no
 * lock either) are kept: SQS delivers at least once, and they exercise the claim.
 */
const LOCKS = [
  'from moto.dynamodb.models import DynamoDBBackend',
  '_lock = threading.RLock()',
  'def _locked(fn):',
  '    def call(self, *args, **kwargs):',
  '        with _lock:',
  '            return fn(self, *args, **kwargs)',
  '    return call',
  "for _name in ('put_item', 'update_item', 'delete_item', 'get_item', 'transact_write_items'):",
  '    if hasattr(DynamoDBBackend, _name):',
  '        setattr(DynamoDBBackend, _name, _locked(getattr(DynamoDBBackend, _name)))',
  'from moto.sqs.models import Queue',
  "for _name in ('add_message', 'delete_message'):",
  '    setattr(Queue, _name, _locked(getattr(Queue, _name)))',
].join('\n');

/** A moto server with the two races above locked, on a free 127.0.0.1 port. */
export async function startLockedEmulator(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const emulator = await startEmulator({ pythonPrelude: LOCKS, readyTimeoutMs: 60_000 });
  return { endpoint: emulator.endpoint, stop: () => emulator.stop() };
}
