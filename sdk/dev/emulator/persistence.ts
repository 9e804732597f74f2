/**
 * The Python run inside the background emulator of `celeriac dev` before moto serves: it keeps moto's
 * state (SQS queues and messages with their visibility, DynamoDB tables and items, Scheduler groups
 * and schedules, CloudWatch metrics) in a snapshot file, so the state outlives the emulator process.
 *
 * moto has no persistence of its own: its recorder (`/moto-api/recorder/…`) replays requests, and a
 * replay of SQS receives and deletes cannot reproduce the same receipt handles, so deleted messages
 * would come back. moto's in-memory models do pickle (once its locks are taught to), so the snapshot
 * is a pickle of the backends, written every few seconds and on SIGTERM/SIGINT, atomically (write,
 * then rename), and loaded at start when it was written by the same moto version.
 */

/** Environment variables the snapshot code reads. */
export const PERSISTENCE_ENV = {
  /** Path of the snapshot file. */
  state: 'CELERIAC_EMULATOR_STATE',
  /** Path of the JSON file that says whether the snapshot was restored at start, and why not. */
  status: 'CELERIAC_EMULATOR_STATUS',
  /** The moto version the snapshot must have been written by. */
  version: 'CELERIAC_EMULATOR_MOTO',
  /** Seconds between two snapshots (0: only on stop). */
  interval: 'CELERIAC_EMULATOR_SNAPSHOT_SECONDS',
} as const;

/** The moto services whose state is kept. */
export const PERSISTED_SERVICES = ['sqs', 'dynamodb', 'scheduler', 'cloudwatch'] as const;

/** Python source: restore at start, snapshot periodically and on SIGTERM/SIGINT (then `moto.server.main` serves). */
export function persistencePrelude(): string {
  return `
import copyreg, json, os, pickle, signal, sys, threading, time
copyreg.pickle(type(threading.RLock()), lambda _lock: (threading.RLock, ()))
copyreg.pickle(type(threading.Lock()), lambda _lock: (threading.Lock, ()))
from moto.backends import get_backend
from moto.core.base_backend import BackendDict
_STATE = os.environ['${PERSISTENCE_ENV.state}']
_STATUS = os.environ['${PERSISTENCE_ENV.status}']
_VERSION = os.environ['${PERSISTENCE_ENV.version}']
_INTERVAL = float(os.environ.get('${PERSISTENCE_ENV.interval}', '5'))
_SERVICES = ${JSON.stringify([...PERSISTED_SERVICES])}
_save_lock = threading.Lock()

def _snapshot():
    for attempt in range(10):
        try:
            backends = {name: dict(get_backend(name)) for name in _SERVICES}
            return pickle.dumps({'moto': _VERSION, 'savedAt': time.time(), 'backends': backends}, protocol=pickle.HIGHEST_PROTOCOL)
        except RuntimeError:
            time.sleep(0.05)  # a request changed a model while it was being copied: try again
    raise RuntimeError('the state kept changing while being saved')

def _save():
    if not _save_lock.acquire(timeout=10):
        return
    try:
        blob = _snapshot()
        temporary = _STATE + '.tmp'
        with open(temporary, 'wb') as handle:
            handle.write(blob)
        os.replace(temporary, _STATE)
    finally:
        _save_lock.release()

def _restore():
    status = {'restored': False}
    try:
        with open(_STATE, 'rb') as handle:
            saved = pickle.load(handle)
    except FileNotFoundError:
        status['reason'] = 'no saved state'
    except Exception as error:
        status['reason'] = 'the saved state could not be read (%s: %s)' % (type(error).__name__, error)
    else:
        if saved.get('moto') != _VERSION:
            status['reason'] = 'the saved state was written by moto %s, this is moto %s' % (saved.get('moto'), _VERSION)
        else:
            for name, accounts in saved['backends'].items():
                backend = get_backend(name)
                for account, regions in accounts.items():
                    backend[account] = regions
                if accounts and backend not in BackendDict._instances:
                    BackendDict._instances.append(backend)  # so that /moto-api/reset empties it too
            status = {'restored': True, 'savedAt': saved['savedAt']}
    with open(_STATUS, 'w') as handle:
        json.dump(status, handle)

def _periodic():
    while True:
        time.sleep(_INTERVAL)
        try:
            _save()
        except Exception as error:
            print('celeriac: emulator state snapshot failed: %s' % error, file=sys.stderr, flush=True)

def _stop(signum, frame):
    try:
        _save()
    except Exception as error:
        print('celeriac: emulator state snapshot at stop failed: %s' % error, file=sys.stderr, flush=True)
    finally:
        os._exit(0)

_restore()
import moto.server
moto.server.signal_handler = _stop  # moto's main() installs this one for SIGTERM and SIGINT
if _INTERVAL > 0:
    threading.Thread(target=_periodic, daemon=True).start()
`;
}
