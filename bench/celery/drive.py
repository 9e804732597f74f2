"""Producer of the Celery end-to-end bench: sends N no-op tasks keeping at most WINDOW unfinished,
waits for all of them (pushed to a Redis list by the worker), prints one JSON line of figures."""
import argparse
import json
import sys
import time

from celery_bench import app, _done, _done_key, noop

parser = argparse.ArgumentParser()
parser.add_argument('--n', type=int, required=True)
parser.add_argument('--window', type=int, required=True)
parser.add_argument('--timeout', type=float, required=True)
parser.add_argument('--warmup', type=int, default=20)
args = parser.parse_args()


def run(count, record):
    sent_at = {}
    latencies = []
    done = 0
    sent = 0
    deadline = time.time() + args.timeout
    started = time.time()
    while done < count:
        if time.time() > deadline:
            raise SystemExit(json.dumps({'error': f'timed out after {args.timeout} s with {done}/{count} done'}))
        while sent < count and sent - done < args.window:
            t = time.time()
            result = noop.apply_async()
            sent_at[result.id] = t
            sent += 1
        item = _done.blpop(_done_key, timeout=1)
        while item is not None:
            task_id, at = item[1].decode().split(' ')
            if task_id in sent_at:
                latencies.append(float(at) - sent_at.pop(task_id))
                done += 1
            item = _done.lpop(_done_key)
            item = (None, item) if item is not None else None
    elapsed = time.time() - started
    if record:
        latencies.sort()
        pick = lambda p: latencies[min(len(latencies) - 1, max(0, int(-(-p * len(latencies) // 100)) - 1))]
        print(json.dumps({'n': count, 'seconds': elapsed, 'p50_ms': pick(50) * 1000, 'p99_ms': pick(99) * 1000}))
        sys.stdout.flush()


_done.delete(_done_key)
if args.warmup:
    run(args.warmup, False)
run(args.n, True)
