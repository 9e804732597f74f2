import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { TaskRecord } from '../core/ports/result-backend.js';
import { describeTiming, formatInZone } from '../core/schedule/describe.js';
import { isReadyState, TaskState } from '../core/states.js';
import type { Inspector } from '../inspect/inspector.js';
import type { WorkerActivity } from '../core/ports/inspection.js';
import { taskQueryFromUrl } from './api.js';
import { describeError } from './http-errors.js';
import { duration, empty, layout, ratesChart, stateBadge, time, type Html, type PageContext } from './layout.js';

const FILTER_STATES = [TaskState.SUCCESS, TaskState.FAILURE, TaskState.RETRY, TaskState.STARTED, TaskState.REVOKED] as const;

/** The dashboard's HTML pages: Tasks, Task detail, Queues, Dead letters, Schedules, Workers. */
export function createPageRoutes(inspector: Inspector, base: string): Hono {
  const pages = new Hono();
  const ctx: PageContext = { base, appName: inspector.app.name };
  const notices = (c: Context) => ({
    ...(c.req.query('notice') ? { notice: c.req.query('notice')! } : {}),
    ...(c.req.query('error') ? { error: c.req.query('error')! } : {}),
  });
  const back = (c: Context, path: string, kind: 'notice' | 'error', text: string) =>
    c.redirect(`${base}${path}${path.includes('?') ? '&' : '?'}${kind}=${encodeURIComponent(text)}`, 303);

  pages.onError((error, c) => {
    const { status, message } = describeError(error);
    return c.html(layout(ctx, '', 'Error', empty('Something went wrong', html`<p>${message}</p>`), {}), status);
  });

  pages.get('/', (c) => c.redirect(`${base}/tasks`));

  pages.get('/tasks', async (c) => {
    const q = c.req.query('q') ?? '';
    const state = c.req.query('state') ?? '';
    const live = c.req.query('live') === '1';
    const periodic = c.req.query('periodic') === 'hide' ? 'hide' : '';
    let page;
    let problem: string | undefined;
    try {
      page = await inspector.listTasks(taskQueryFromUrl(c));
    } catch (error) {
      const described = describeError(error);
      if (described.status >= 500) throw error;
      problem = described.message;
    }
    // Custom states (updateState('PROGRESS')) get a chip while a task is in one.
    const customStates = await inspector.customStates().catch(() => [] as string[]);
    const link = (params: Record<string, string>) => {
      const merged = { q, state, periodic, ...(live ? { live: '1' } : {}), ...params };
      const search = new URLSearchParams(Object.entries(merged).filter(([, v]) => v !== ''));
      return `${base}/tasks${search.size ? `?${search}` : ''}`;
    };
    const filtered = q !== '' || state !== '' || periodic !== '';
    const rows = page?.tasks ?? [];
    const body = html`<div class="row"><div><h1>Tasks</h1><p class="sub">Every task a worker has picked up, newest sent first. Records are kept for the app's <code>resultExpiresSeconds</code>.</p></div></div>
<form class="filters" method="get" action="${base}/tasks">
<input type="search" name="q" value="${q}" placeholder="Search: name:email.* state:FAILURE text…" aria-label="Search">
<input type="hidden" name="state" value="${state}">
<input type="hidden" name="periodic" value="${periodic}">
<button class="primary" type="submit">Search</button>
<label class="muted"><input type="checkbox" name="live" value="1" ${live ? 'checked' : ''} onchange="this.form.submit()"> Live refresh</label>
<span class="spacer"></span>
<div class="chips" aria-label="State filter"><a href="${link({ state: '', cursor: '' })}" class="${state === '' ? 'on' : ''}">All</a>
${[...FILTER_STATES, ...customStates].map((s) => html`<a href="${link({ state: s, cursor: '' })}" class="${state === s ? 'on' : ''}" data-state="${s}">${s}</a>`)}</div>
<div class="chips" aria-label="Periodic runs"><a href="${link({ periodic: periodic ? '' : 'hide', cursor: '' })}" class="${periodic ? 'on' : ''}" data-filter="periodic" title="Leave out the runs of the app's schedules (e.g. a report every 3 seconds)">Hide periodic runs</a></div>
</form>
${problem ? html`<div class="notice err" role="alert">${problem}</div>` : ''}
<div class="panel">${
      rows.length === 0
        ? filtered
          ? empty(
              'No task matches this filter',
              html`<p>Try another state or a shorter search. Search syntax: <code>name:email.*</code> <code>state:FAILURE,RETRY</code> <code>since:15m</code> and free text found in arguments, results and errors.</p>`,
            )
          : empty(
              'No tasks recorded yet',
              html`<p>A task shows up here once a worker picks it up (sending writes nothing, as in Celery). Send one, e.g. <code>await add.delay(4, 4)</code>, or <code>celeriac call math.add '[4,4]'</code>.</p>`,
            )
        : html`<table><thead><tr><th>State</th><th>Task</th><th>ID</th><th>Queue</th><th>Sent (UTC)</th><th class="num">Runtime</th><th class="num">Retries</th></tr></thead>
<tbody>${rows.map(
            (
              t,
            ) => html`<tr data-task-id="${t.id}"><td>${stateBadge(t.state)}</td><td>${t.task ?? '—'}</td><td class="mono"><a href="${base}/tasks/${encodeURIComponent(t.id)}">${t.id}</a></td>
<td>${t.queue ?? '—'}</td><td>${time(t.sentAt)}</td><td class="num">${duration(t.runtimeMs)}</td><td class="num">${t.retries}</td></tr>`,
          )}</tbody></table>
<div class="pager"><span class="muted">${rows.length} shown${c.req.query('cursor') ? html` · <a href="${link({ cursor: '' })}">← Newest</a>` : ''}</span>
${page?.next ? html`<a class="button" href="${link({ cursor: page.next })}">Older →</a>` : html`<span class="muted">End of the list</span>`}</div>`
    }</div>`;
    return c.html(layout(ctx, 'tasks', 'Tasks', body, { ...notices(c), ...(live ? { refreshSeconds: 5 } : {}) }));
  });

  pages.get('/tasks/:id', async (c) => {
    const id = c.req.param('id');
    const record = await inspector.getTask(id);
    if (!record) {
      return c.html(
        layout(
          ctx,
          'tasks',
          id,
          empty(
            `No record of task ${id}`,
            html`<p>It is unknown, still waiting in its queue (Celery reports that as PENDING: no worker has picked it up yet), or its record has expired.</p>`,
          ),
          notices(c),
        ),
        404,
      );
    }
    return c.html(layout(ctx, 'tasks', record.task ?? id, taskDetail(base, record), notices(c)));
  });

  pages.post('/tasks/:id/revoke', async (c) => {
    const id = c.req.param('id');
    const outcome = await inspector.revoke(id, 'revoked from the dashboard');
    return back(
      c,
      `/tasks/${encodeURIComponent(id)}`,
      outcome.revoked ? 'notice' : 'error',
      outcome.revoked ? 'Task revoked: a worker that receives it will not run it.' : `Not revoked: the task already finished (${outcome.state}).`,
    );
  });

  pages.post('/tasks/:id/retry', async (c) => {
    const id = c.req.param('id');
    try {
      const sent = await inspector.retry(id);
      return back(c, `/tasks/${encodeURIComponent(sent.id)}`, 'notice', `Sent again as a new task (from ${id}); it appears here once a worker picks it up.`);
    } catch (error) {
      return back(c, `/tasks/${encodeURIComponent(id)}`, 'error', describeError(error).message);
    }
  });

  pages.get('/queues', async (c) => {
    const stats = await inspector.queueStats();
    const body = html`<h1>Queues</h1><p class="sub">Approximate counts, as SQS reports them. A message goes to the dead-letter queue when it is poison (bad JSON, unknown task, invalid arguments) or was received too many times.</p>
<div class="panel"><table><thead><tr><th>Queue</th><th>SQS name</th><th class="num">Waiting</th><th class="num">In flight</th><th class="num">Delayed</th><th class="num">Dead letters</th><th></th></tr></thead>
<tbody>${stats.map(
      (
        s,
      ) => html`<tr data-queue="${s.name}"><td><b>${s.name}</b></td><td class="mono">${s.queueName}</td><td class="num">${s.visible}</td><td class="num">${s.inFlight}</td><td class="num">${s.delayed}</td>
<td class="num">${s.deadLetters > 0 ? html`<a href="${base}/queues/${s.name}/dead-letters"><b style="color:var(--bad)">${s.deadLetters}</b></a>` : '0'}</td>
<td><div class="row"><a class="button" href="${base}/queues/${s.name}/dead-letters">Dead letters</a>
<form method="post" action="${base}/queues/${s.name}/purge" onsubmit="return confirm('Purge queue ${s.name}? Every waiting message is deleted. This cannot be undone.')"><input type="hidden" name="confirm" value="${s.name}"><button class="danger" type="submit">Purge</button></form></div></td></tr>`,
    )}</tbody></table></div>`;
    return c.html(layout(ctx, 'queues', 'Queues', body, notices(c)));
  });

  pages.post('/queues/:queue/purge', async (c) => {
    const queue = c.req.param('queue');
    const form = await c.req.parseBody();
    if (form.confirm !== queue) return back(c, '/queues', 'error', `Not purged: confirm with the queue name "${queue}".`);
    const deadLetters = form.deadLetters === '1';
    await inspector.purge(queue, { deadLetters });
    return back(
      c,
      deadLetters ? `/queues/${queue}/dead-letters` : '/queues',
      'notice',
      `Purged ${queue}${deadLetters ? ' dead letters' : ''}. SQS takes up to a minute to finish a purge.`,
    );
  });

  pages.get('/queues/:queue/dead-letters', async (c) => {
    const queue = c.req.param('queue');
    const messages = await inspector.deadLetters(queue, 100);
    const body = html`<div class="row"><div><h1>Dead letters · ${queue}</h1><p class="sub">Read without removing them. Redrive sends a message back to <b>${queue}</b>. The worker runs a task id once: a message it rejected has a FAILURE record saying why, and runs again only once that record is forgotten (<code>result.forget()</code>).</p></div></div>
${
  messages.length === 0
    ? html`<div class="panel">${empty('The dead-letter queue is empty', html`<p>Messages land here when the worker cannot run them (bad JSON, unknown task, invalid arguments: the reason is kept with the message) or when they were received more than the queue's <code>maxReceiveCount</code> times.</p>`)}</div>`
    : html`<form method="post" action="${base}/queues/${queue}/redrive"><div class="panel"><table><thead><tr><th><input type="checkbox" aria-label="Select all" onclick="for (const b of this.form.querySelectorAll('input[name=messageIds]')) b.checked = this.checked"></th><th>Task</th><th>Task id</th><th>Reason</th><th>Sent (UTC)</th><th>Body</th></tr></thead>
<tbody>${messages.map(
        (
          m,
        ) => html`<tr data-message-id="${m.messageId}"><td><input type="checkbox" name="messageIds" value="${m.messageId}" aria-label="Select ${m.taskId ?? m.messageId}"></td><td>${m.task ?? '—'}</td>
<td class="mono">${m.taskId ? html`<a href="${base}/tasks/${encodeURIComponent(m.taskId)}">${m.taskId}</a>` : '—'}</td>
<td><span class="badge s-FAILURE">${m.reasonCode}</span>${m.reasonMessage ? html`<div class="muted">${m.reasonMessage}</div>` : ''}</td><td>${time(m.sentAt)}</td><td class="mono">${m.body.length > 160 ? `${m.body.slice(0, 159)}…` : m.body}</td></tr>`,
      )}</tbody></table>
<div class="pager"><span class="muted">${messages.length} message${messages.length === 1 ? '' : 's'}${messages.length === 100 ? ' (first 100)' : ''}</span>
<div class="row"><button type="submit" name="scope" value="selected">Redrive selected</button><button class="primary" type="submit" name="scope" value="all">Redrive all</button></div></div></div></form>`
}`;
    return c.html(layout(ctx, 'queues', `Dead letters · ${queue}`, body, notices(c)));
  });

  pages.post('/queues/:queue/redrive', async (c) => {
    const queue = c.req.param('queue');
    const form = await c.req.parseBody({ all: true });
    const raw = form.messageIds;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
    if (form.scope !== 'all' && ids.length === 0)
      return back(c, `/queues/${queue}/dead-letters`, 'error', 'Select the messages to redrive, or use Redrive all.');
    const outcome = await inspector.redrive(queue, form.scope === 'all' ? {} : { messageIds: ids });
    const text =
      outcome.method === 'move-task'
        ? `Redrive started (SQS move task ${outcome.taskHandle ?? ''}).`
        : `Moved ${outcome.moved} message${outcome.moved === 1 ? '' : 's'} back to ${queue}.`;
    return back(c, `/queues/${queue}/dead-letters`, 'notice', text);
  });

  pages.get('/schedules', async (c) => {
    const { available, schedules } = await inspector.schedules();
    const body = html`<h1>Schedules</h1><p class="sub">Periodic tasks (Celery beat) kept in EventBridge Scheduler: those declared with <code>app.schedule()</code> and those made at run time with <code>app.schedules</code>.</p><div class="panel">${
      !available
        ? empty(
            'No scheduler for this app',
            html`<p>This app's transport has no scheduler, so it has no schedules. <code>createApp</code> from <code>celeriac</code> uses EventBridge Scheduler.</p>`,
          )
        : schedules.length === 0
          ? empty(
              'No schedules yet',
              html`<p>Declare one in the app, e.g. <code>app.schedule('reports.nightly', exportUsers, { crontab: '0 2 * * *' })</code>, or create one at run time with <code>app.schedules.create()</code>. It appears here with its next runs, and can be paused and resumed.</p>`,
            )
          : html`<table><thead><tr><th>Name</th><th>Task</th><th>When</th><th>Arguments</th><th>Next runs (in its time zone)</th><th>Status</th><th></th></tr></thead><tbody>${schedules.map(
              (
                s,
              ) => html`<tr data-schedule="${s.name}"><td><b>${s.name}</b>${s.declared ? html`<div class="muted">declared in code</div>` : ''}${s.description ? html`<div class="muted">${s.description}</div>` : ''}</td>
<td>${s.task ?? '—'}</td><td class="mono">${describeTiming(s)}<div class="muted">${s.timezone}</div></td>
<td class="mono">${JSON.stringify(s.args)}${Object.keys(s.kwargs).length ? ` ${JSON.stringify(s.kwargs)}` : ''}</td>
<td>${s.nextRuns.length ? s.nextRuns.slice(0, 3).map((d) => html`<div><time datetime="${d.toISOString()}" title="${d.toISOString()}">${formatInZone(d, s.timezone)}</time></div>`) : html`<span class="muted">—</span>`}</td>
<td>${s.enabled ? html`<span class="badge s-SUCCESS">ENABLED</span>` : html`<span class="badge s-REVOKED">PAUSED</span>`}${s.problem ? html`<div class="badge s-FAILURE" title="${s.problem}">PROBLEM</div><div class="muted">${s.problem}</div>` : ''}</td>
<td><form method="post" action="${base}/schedules/${encodeURIComponent(s.name)}/${s.enabled ? 'pause' : 'resume'}"><button type="submit">${s.enabled ? 'Pause' : 'Resume'}</button></form></td></tr>`,
            )}</tbody></table>`
    }</div>`;
    return c.html(layout(ctx, 'schedules', 'Schedules', body, notices(c)));
  });

  pages.post('/schedules/:name/:action{pause|resume}', async (c) => {
    const enabled = c.req.param('action') === 'resume';
    await inspector.setScheduleEnabled(c.req.param('name'), enabled);
    return back(c, '/schedules', 'notice', `${enabled ? 'Resumed' : 'Paused'} ${c.req.param('name')}.`);
  });

  pages.get('/workers', async (c) => {
    const [workers, rates] = await Promise.all([inspector.workers(60), inspector.rates(60)]);
    const anyActivity = workers.some((w) => w.tasks > 0 || w.running > 0 || (w.local?.invocations ?? 0) > 0 || (w.lambda?.invocations ?? 0) > 0);
    const body = html`<h1>Workers</h1><p class="sub">Activity per queue over the last hour. Tasks, failures and runtimes come from the task records; ${workerSources(workers)}</p>
${ratesChart(rates)}
<h2>Per queue</h2><div class="panel">${
      !anyActivity
        ? empty(
            'No worker activity in the last hour',
            html`<p>Workers are Lambda invocations started by SQS (locally, <code>celeriac dev</code>'s pollers). They show up here as soon as they run a task.</p>`,
          )
        : ''
    }<table><thead><tr><th>Queue</th><th class="num">Tasks</th><th class="num">Failures</th><th class="num">Running</th><th class="num">Invocations</th><th class="num">Avg</th><th class="num">p95</th><th class="num">Max</th><th>Worker</th></tr></thead>
<tbody>${workers.map(
      (
        w,
      ) => html`<tr data-queue="${w.queue}" data-source="${w.source}"><td><b>${w.queue}</b></td><td class="num">${w.tasks}</td><td class="num">${w.failures}</td><td class="num">${w.running}</td><td class="num">${w.invocations}</td>
<td class="num">${duration(w.avgRuntimeMs)}</td><td class="num">${duration(w.p95RuntimeMs)}</td><td class="num">${duration(w.maxRuntimeMs)}</td>
<td>${workerCell(w)}</td></tr>`,
    )}</tbody></table></div>`;
    return c.html(layout(ctx, 'workers', 'Workers', body, notices(c)));
  });

  return pages;
}

function taskDetail(base: string, r: TaskRecord): Html {
  const ready = isReadyState(r.state);
  const links = workflowLinks(r);
  const events: Html[] = [];
  if (r.sentAt) events.push(html`<li>Sent ${time(r.sentAt)}</li>`);
  for (const retry of r.retryHistory ?? [])
    events.push(
      html`<li class="warn">Retry at ${time(retry.at)}, next attempt in ${retry.countdownSeconds} s <span class="muted">— ${retry.error}</span></li>`,
    );
  if (r.dateStarted) events.push(html`<li>Started ${time(r.dateStarted)}${r.retries ? html` <span class="muted">(attempt ${r.retries + 1})</span>` : ''}</li>`);
  if (r.state === TaskState.RETRY && r.retryAt) events.push(html`<li class="warn">Next attempt due ${time(r.retryAt)}</li>`);
  if (r.dateDone)
    events.push(
      html`<li class="${r.state === TaskState.SUCCESS ? 'ok' : 'bad'}">${r.state} ${time(r.dateDone)}${r.runtimeMs !== undefined ? html` <span class="muted">after ${duration(r.runtimeMs)}</span>` : ''}</li>`,
    );
  return html`<div class="row"><div><h1>${r.task ?? 'Unknown task'} ${stateBadge(r.state)}</h1><p class="sub mono">${r.id}</p></div><span class="spacer"></span>
<form method="post" action="${base}/tasks/${encodeURIComponent(r.id)}/retry"><button type="submit" ${ready ? '' : 'disabled'} title="Send again with the same arguments">Retry</button></form>
<form method="post" action="${base}/tasks/${encodeURIComponent(r.id)}/revoke" onsubmit="return confirm('Revoke this task? A worker that receives it will not run it.')"><button class="danger" type="submit" ${ready ? 'disabled' : ''}>Revoke</button></form></div>
<div class="panel"><dl class="fields">
<dt>State</dt><dd>${stateBadge(r.state)}</dd><dt>Queue</dt><dd>${r.queue ?? '—'}</dd><dt>Retries</dt><dd>${r.retries}</dd>
<dt>Runtime</dt><dd>${duration(r.runtimeMs)}</dd><dt>Worker invocation</dt><dd class="mono">${r.workerId ?? '—'}</dd>
${r.leaseUntil && r.state === TaskState.STARTED ? html`<dt>Lease until</dt><dd>${time(r.leaseUntil)}</dd>` : ''}
<dt>Record expires</dt><dd>${r.expiresAt ? time(new Date(r.expiresAt * 1000)) : '—'}</dd>
${links}</dl></div>
<h2>Timeline</h2><div class="panel">${events.length ? html`<ul class="timeline">${events}</ul>` : empty('No times recorded', '')}</div>
<h2>Arguments</h2><div class="panel"><pre id="args">${r.argsRepr ?? '(not recorded)'}</pre>${r.kwargsRepr ? html`<pre id="kwargs">${r.kwargsRepr}</pre>` : ''}</div>
${r.result !== undefined ? html`<h2>Result</h2><div class="panel"><pre id="result">${JSON.stringify(r.result, null, 2)}</pre></div>` : ''}
${r.error ? html`<h2>${r.state === TaskState.RETRY ? 'Last error' : 'Error'}</h2><div class="panel"><dl class="fields"><dt>Type</dt><dd class="mono">${r.error.type}${r.error.code ? ` (${r.error.code})` : ''}</dd><dt>Message</dt><dd>${r.error.message}</dd></dl>${r.error.stack ? html`<pre id="traceback">${r.error.stack}</pre>` : ''}</div>` : ''}`;
}

/**
 * Parent, root and children links, for records that carry workflow ids (canvas). Reads the fields
 * by name so records without them show nothing.
 */
function workflowLinks(record: TaskRecord): Html {
  const r = record as TaskRecord & { parentId?: string | null; rootId?: string | null; children?: readonly string[] };
  const link = (id: string) => html`<a class="mono" href="${base(id)}">${id}</a>`;
  const base = (id: string) => `./${encodeURIComponent(id)}`;
  return html`${r.parentId ? html`<dt>Parent</dt><dd>${link(r.parentId)}</dd>` : ''}${r.rootId && r.rootId !== r.id ? html`<dt>Root</dt><dd>${link(r.rootId)}</dd>` : ''}${
    r.children?.length ? html`<dt>Children</dt><dd>${r.children.map((id) => html`<div>${link(id)}</div>`)}</dd>` : ''
  }`;
}

const SOURCE_LABEL: Record<WorkerActivity['source'], string> = { cloudwatch: 'CloudWatch', 'local-runtime': 'Local runtime', records: 'Task records' };

/** The sentence saying where the worker figures come from, with why CloudWatch was not used. */
function workerSources(workers: readonly WorkerActivity[]): Html {
  const functions = [...new Set(workers.flatMap((w) => (w.lambda ? [w.lambda.functionName] : [])))];
  const notes = [...new Set(workers.flatMap((w) => (w.sourceNote ? [w.sourceNote] : [])))];
  const sources = new Set(workers.map((w) => w.source));
  return html`<span id="worker-source">${
    sources.has('cloudwatch')
      ? html`worker invocations, errors, durations and concurrency from <b>CloudWatch</b> (AWS/Lambda metrics of <span class="mono">${functions.join(', ')}</span>).`
      : sources.has('local-runtime')
        ? html`the worker figures are the live counters of the <b>local runtime</b> (<code>celeriac dev</code>'s pollers).`
        : html`so do the worker figures (invocations: distinct invocation ids in the <b>task records</b>). Deployed, the dashboard reads the worker function's CloudWatch metrics instead.`
  }${notes.map((note) => html` <span class="muted">${note}</span>`)}</span>`;
}

/** `n thing` or `n things`. */
function count(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}

/** The Worker column: the function's CloudWatch figures, the local runtime's counters, or the records. */
function workerCell(w: WorkerActivity): Html {
  const badge = html`<span class="badge s-${w.source === 'cloudwatch' ? 'SUCCESS' : w.source === 'local-runtime' ? 'STARTED' : 'REVOKED'}">${SOURCE_LABEL[w.source]}</span>`;
  if (w.lambda) {
    const l = w.lambda;
    return html`${badge} <span class="mono">${l.functionName}</span><div class="muted">${count(l.invocations, 'invocation')} · ${count(l.errors, 'error')} · avg ${duration(l.avgDurationMs)} · max ${duration(l.maxDurationMs)}${
      l.maxConcurrency !== undefined ? ` · peak ${l.maxConcurrency} concurrent` : ''
    }${l.queues.length > 1 ? ` · serves ${l.queues.join(', ')}` : ''}</div>`;
  }
  if (w.local)
    return html`${badge}<div class="muted">${w.local.pollers} pollers · ${w.local.invocations} invocations · ${w.local.messages} messages · ${w.local.requeued} put back · ${w.local.errors} errors</div>`;
  return badge;
}
