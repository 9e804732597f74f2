"""Celery settings for the interop tests, read from the environment the test sets.

CELERIAC_ENDPOINT   the emulator, e.g. http://127.0.0.1:41234 (kombu builds its SQS endpoint from the
                    broker URL's host and port; Celery's DynamoDB backend does the same for an IP host)
CELERY_QUEUE        the Celery queue name (the key of predefined_queues, and the routing key)
CELERY_QUEUE_URL    the SQS queue behind it (for celeriac's side: <app>-<queue>)
CELERY_RESULT_TABLE the DynamoDB table (celeriac's <app>-results, with celeryCompat: true)
"""
import os
from urllib.parse import urlparse

endpoint = urlparse(os.environ['CELERIAC_ENDPOINT'])
host = f'{endpoint.hostname}:{endpoint.port}'
queue = os.environ['CELERY_QUEUE']

broker_url = f'sqs://test:test@{host}'
broker_transport_options = {
    'region': 'us-east-1',
    'predefined_queues': {queue: {'url': os.environ['CELERY_QUEUE_URL']}},
    'wait_time_seconds': 1,
    'polling_interval': 0.2,
}
broker_connection_retry_on_startup = True
task_default_queue = queue
result_backend = f"dynamodb://test:test@{host}/{os.environ['CELERY_RESULT_TABLE']}"
result_backend_always_retry = False
