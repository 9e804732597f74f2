"""Producer of the Celery end-to-end bench: sends N no-op tasks keeping at most WINDOW unfinished,
waits for all of them (pushed to a Redis list by the worker), then sends LATENCY_N one at a time; prints
one JSON line of figures. The worker's CPU over the timed run is read from /proc/<pid>/stat (user + system
ticks, children reaped included) of every process in its process group, as the celeriac side does."""
import argparse
import json
import os
import sys
import time

from celery_bench import app, _done, _done_key, noop

parser = argparse.ArgumentParser()
parser.add_argument('--n', type=int, required=True)
parser.add_argument('--window', type=int, required=True)
parser.add_argument('--timeout', type=float, required=True)
parser.add_argument('--warmup', type=int, default=20)
parser.add_argument('--latency-n', type=int, default=0)
parser.add_argument('--worker-pgid', type=int, required=True)
args = parser.parse_args()
TICKS = os.sysconf('SC_CLK_TCK')


def group_cpu_ms(pgid):
    ticks = 0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is field 3 (state); pgrp is field 5
            ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime (fields 14-17)
    return ticks * 1000 / TICKS


def pick(latencies, p):
    latencies = sorted(latencies)
    return latencies[min(len(latencies) - 1, max(0, int(-(-p * len(latencies) // 100)) - 1))] * 1000


def run(count, window):
    sent_at = {}
    latencies = []
    done = 0
    sent = 0
    deadline = time.time() + args.timeout
    started = time.time()
    while done < count:
        if time.time() > deadline:
            raise SystemExit(json.dumps({'error': f'timed out after {args.timeout} s with {done}/{count} done'}))
        while sent < count and sent - done < window:
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
    return time.time() - started, latencies


_done.delete(_done_key)
if args.warmup:
    run(args.warmup, args.window)
cpu0 = group_cpu_ms(args.worker_pgid)
seconds, latencies = run(args.n, args.window)
figures = {'n': args.n, 'seconds': seconds, 'cpu_ms': group_cpu_ms(args.worker_pgid) - cpu0, 'p50_ms': pick(latencies, 50), 'p99_ms': pick(latencies, 99)}
if args.latency_n:
    _, one_at_a_time = run(args.latency_n, 1)
    figures.update(unloaded_p50_ms=pick(one_at_a_time, 50), unloaded_p99_ms=pick(one_at_a_time, 99))
print(json.dumps(figures))
sys.stdout.flush()
