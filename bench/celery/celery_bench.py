"""The Celery peer of the end-to-end bench: one no-op task, configured from the environment.

BENCH_BROKER_URL   sqs://x:x@127.0.0.1:PORT (moto or fauxqs) or redis://127.0.0.1:PORT/0
BENCH_RESULT_URL   result backend, e.g. redis://127.0.0.1:PORT/1 or dynamodb://x:x@us-east-1/TABLE?read=5&write=5;
                   empty: no backend, the task ignores its result
BENCH_DYNAMODB_ENDPOINT  endpoint of the DynamoDB result backend (moto), when it is one
BENCH_DONE_URL     Redis where each finished task pushes "<id> <epoch seconds>" onto BENCH_DONE_KEY
BENCH_QUEUE_PREFIX prefix of the SQS queue names
"""
import os
import time

import redis
from celery import Celery
from celery.signals import task_success

app = Celery('celeriac_bench')
broker = os.environ['BENCH_BROKER_URL']
results = os.environ.get('BENCH_RESULT_URL', '')
app.conf.update(
    broker_url=broker,
    result_backend=results or None,
    task_ignore_result=not results,
    broker_transport_options=(
        {'region': 'us-east-1', 'is_secure': False, 'queue_name_prefix': os.environ.get('BENCH_QUEUE_PREFIX', 'bench-'),
         'wait_time_seconds': 1, 'polling_interval': 0.1, 'visibility_timeout': 180}
        if broker.startswith('sqs') else {}
    ),
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    worker_hijack_root_logger=False,
    worker_prefetch_multiplier=10,
    broker_connection_retry_on_startup=True,
)
if os.environ.get('BENCH_DYNAMODB_ENDPOINT'):
    app.conf.dynamodb_endpoint_url = os.environ['BENCH_DYNAMODB_ENDPOINT']

_done = redis.Redis.from_url(os.environ['BENCH_DONE_URL'])
_done_key = os.environ.get('BENCH_DONE_KEY', 'bench:done')


@app.task(name='bench.noop')
def noop():
    return None


@task_success.connect
def _record_done(sender=None, **_kwargs):
    # Sent after the result backend has stored SUCCESS.
    _done.rpush(_done_key, f'{sender.request.id} {time.time()}')
