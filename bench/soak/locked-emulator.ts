import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ensureMotoInstalled, findFreePort } from '../../sdk/emulator/index.js';

/**
 * Two races of moto's server that AWS does not have, and that the soak is not about:
 * - DynamoDB: a conditional write is applied without a per-item lock, so two concurrent `UpdateItem`
 *   calls with `attribute_not_exists(id)` can both succeed (seen in the soak: one body run twice).
 * - SQS: `Queue.delete_message` rebuilds the message list from a snapshot without a lock, so a message
 *   sent during a delete is dropped (seen in the soak: whole sent batches never delivered).
 * This emulator serialises those calls with one lock. Duplicate receives (moto's receive takes no
 * lock either) are kept: SQS delivers at least once, and they exercise the claim.
 */
const BOOTSTRAP = [
  'import os, sys, threading',
  'def _watch():',
  '    try:',
  '        sys.stdin.buffer.read()',
  '    finally:',
  '        os._exit(0)',
  'threading.Thread(target=_watch, daemon=True).start()',
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
  'from moto.server import main',
  'sys.exit(main(sys.argv[1:]))',
].join('\n');

/** A moto server with the two races above locked, on a free 127.0.0.1 port. */
export async function startLockedEmulator(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const motoServer = await ensureMotoInstalled();
  const python = join(dirname(motoServer), 'python');
  const port = await findFreePort();
  const child = spawn(python, ['-c', BOOTSTRAP, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin?.on('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the locked emulator did not start on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
