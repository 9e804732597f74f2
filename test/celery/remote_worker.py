"""Tasks a Python Celery worker runs for a celeriac caller (app.remoteTask). Start with
`celery -A remote_worker worker -P solo -Q $CELERY_QUEUE`; settings in celery_conf.py."""
from celery import Celery

app = Celery('reports_service')
app.config_from_object('celery_conf')
app.conf.task_track_started = True


@app.task(name='reports.render')
def render(name, fmt='txt'):
    return {'report': f'{name}.{fmt}', 'pages': len(name)}


@app.task(name='reports.lookup')
def lookup(key):
    raise KeyError(key)
