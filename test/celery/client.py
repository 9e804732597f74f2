"""A Python Celery client calling tasks a celeriac worker runs, and reading their results through
Celery's own DynamoDB result backend pointed at celeriac's table. Prints one JSON object of outcomes."""
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from celery import Celery, chain, chord
from celery.exceptions import TaskRevokedError

app = Celery('django_service')
app.config_from_object('celery_conf')
TIMEOUT = float(sys.argv[1]) if len(sys.argv) > 1 else 30
out = {}


def raised(fn):
    try:
        return {'returned': fn()}
    except Exception as exc:  # noqa: BLE001 - the test asserts on the class
        return {'raised': f'{type(exc).__module__}.{type(exc).__qualname__}', 'args': list(exc.args)}


def states_until_ready(results, timeout):
    """The states each result went through, polled side by side until all are ready."""
    seen = [[] for _ in results]
    deadline = time.time() + timeout
    while time.time() < deadline:
        for result, states in zip(results, seen):
            if states and states[-1] in ('SUCCESS', 'FAILURE', 'REVOKED'):
                continue
            state = result.state
            if not states or states[-1] != state:
                states.append(state)
        if all(states and states[-1] in ('SUCCESS', 'FAILURE', 'REVOKED') for states in seen):
            break
        time.sleep(0.05)
    return seen


# States while a task runs and between attempts, watched from the send on.
slow = app.send_task('slow.sleep', args=(2,))
flaky = app.send_task('flaky.once', args=('k',))
out['slow_states'], out['flaky_states'] = states_until_ready([slow, flaky], TIMEOUT)
out['flaky'] = raised(lambda: flaky.get(timeout=TIMEOUT))

# Sent together, read one by one: the worker runs them side by side.
add = app.send_task('math.add', args=(4, 4))
email = app.send_task('email.send', args=('x@qq.com',), kwargs={'subject': '主题', 'body': '你好，世界'})
started = time.time()
later = app.send_task('math.add', args=(1, 2), countdown=3)
expired = app.send_task('math.add', args=(1, 1), expires=datetime.now(timezone.utc) - timedelta(seconds=5))
linked = app.send_task('math.add', args=(2, 3), link=app.signature('math.mul', args=(10,)))
chained = chain(app.signature('math.add', args=(1, 2)), app.signature('math.mul', args=(3,)), app.signature('math.mul', args=(10,))).apply_async()
failing = app.send_task('math.sqrt', args=(-1,))
far = app.send_task('math.add', args=(5, 5), countdown=3600)
joined = chord([app.signature('math.add', args=(1, 1)), app.signature('math.add', args=(2, 2))], app.signature('math.tsum')).apply_async()

out['add'] = raised(lambda: add.get(timeout=TIMEOUT))
out['email'] = raised(lambda: email.get(timeout=TIMEOUT))
out['countdown'] = raised(lambda: later.get(timeout=TIMEOUT))
out['countdown_seconds'] = time.time() - started
out['expired'] = raised(lambda: expired.get(timeout=TIMEOUT))
out['expired_state'] = expired.state
out['linked'] = raised(lambda: linked.get(timeout=TIMEOUT))
out['linked_child'] = raised(lambda: app.AsyncResult(linked.children[0].id).get(timeout=TIMEOUT)) if linked.children else {'raised': 'no children'}
out['chain'] = raised(lambda: chained.get(timeout=TIMEOUT))
out['failing'] = raised(lambda: failing.get(timeout=TIMEOUT))
out['failing_state'] = failing.state
out['expired_is_revoked_error'] = out['expired'].get('raised') == f'{TaskRevokedError.__module__}.{TaskRevokedError.__qualname__}'
out['chord_header'] = [raised(lambda r=r: r.get(timeout=TIMEOUT)) for r in joined.parent.results]
out['far_state'] = far.state
out['ids'] = {'add': add.id, 'email': email.id, 'failing': failing.id, 'far': far.id}
print(json.dumps(out, ensure_ascii=False))
