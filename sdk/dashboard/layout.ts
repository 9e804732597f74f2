import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { RatePoint } from '../core/ports/inspection.js';

/** A fragment of escaped HTML. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const CSS = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--accent:#3b5bdb;
--ok:#1f9d55;--ok-bg:#e7f6ec;--bad:#d92d20;--bad-bg:#fdecea;--warn:#b54708;--warn-bg:#fef4e6;--run:#1d4ed8;--run-bg:#e8efff;--off:#475467;--off-bg:#eef0f3}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header{background:#111827;color:#fff;display:flex;align-items:center;gap:28px;padding:0 28px;height:54px}
header .brand{font-weight:700;font-size:16px;letter-spacing:.2px;color:#fff}header .brand span{color:#9fe870}
header nav{display:flex;gap:4px}header nav a{color:#cbd5e1;padding:6px 12px;border-radius:6px}
header nav a.on,header nav a:hover{background:#1f2937;color:#fff;text-decoration:none}
header .app{margin-left:auto;color:#94a3b8;font-size:13px}
main{max-width:1240px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}.sub{color:var(--muted);margin:0 0 18px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow:hidden}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:9px 14px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);background:#fafbfc;font-weight:600}
tr:last-child td{border-bottom:0}tbody tr:hover{background:#fafbff}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:11.5px;font-weight:700;letter-spacing:.3px}
.s-SUCCESS{color:var(--ok);background:var(--ok-bg)}.s-FAILURE{color:var(--bad);background:var(--bad-bg)}
.s-RETRY{color:var(--warn);background:var(--warn-bg)}.s-STARTED{color:var(--run);background:var(--run-bg)}
.s-REVOKED,.s-PENDING{color:var(--off);background:var(--off-bg)}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:14px}
input[type=text],input[type=search],select{border:1px solid #d0d5dd;border-radius:7px;padding:7px 10px;font:inherit;background:#fff}
input[type=search]{min-width:340px}
button,.button{border:1px solid #d0d5dd;background:#fff;border-radius:7px;padding:7px 14px;font:inherit;font-weight:600;cursor:pointer;color:var(--ink)}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{color:var(--bad);border-color:#f3b8b2}
button:disabled{opacity:.45;cursor:not-allowed}
.chips{display:flex;gap:6px;flex-wrap:wrap}.chips a{padding:4px 10px;border:1px solid var(--line);border-radius:999px;background:#fff;color:var(--ink);font-size:12.5px}
.chips a.on{border-color:var(--accent);color:var(--accent);background:#eef2ff}
.empty{padding:42px 24px;text-align:center;color:var(--muted)}.empty strong{display:block;color:var(--ink);font-size:15px;margin-bottom:6px}
.notice{padding:10px 14px;border-radius:8px;margin-bottom:16px;background:#eef2ff;border:1px solid #c7d2fe}.notice.err{background:var(--bad-bg);border-color:#f3b8b2}
dl.fields{display:grid;grid-template-columns:170px 1fr;margin:0}dl.fields dt,dl.fields dd{padding:8px 14px;border-bottom:1px solid var(--line);margin:0}
dl.fields dt{color:var(--muted);background:#fafbfc}
pre{margin:0;padding:14px;white-space:pre-wrap;word-break:break-word;background:#0f172a;color:#e2e8f0;max-height:420px;overflow:auto}
.timeline{list-style:none;margin:0;padding:6px 14px}.timeline li{padding:7px 0 7px 18px;border-left:2px solid var(--line);position:relative}
.timeline li:before{content:"";position:absolute;left:-6px;top:12px;width:10px;height:10px;border-radius:50%;background:var(--accent)}
.timeline li.bad:before{background:var(--bad)}.timeline li.warn:before{background:#f79009}.timeline li.ok:before{background:var(--ok)}
.row{display:flex;gap:10px;align-items:center}.spacer{flex:1}.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-bottom:18px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 16px}.card b{display:block;font-size:22px}
.chart{padding:14px}.chart svg{width:100%;height:140px}.legend{font-size:12px;color:var(--muted);padding:0 14px 12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}
.axis{display:flex;justify-content:space-between;font-size:11px;color:var(--muted);padding:0 14px}
.pager{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;border-top:1px solid var(--line);background:#fafbfc}
`;

const PAGES = [
  ['tasks', 'Tasks', '/tasks'],
  ['queues', 'Queues', '/queues'],
  ['schedules', 'Schedules', '/schedules'],
  ['workers', 'Workers', '/workers'],
] as const;

/** Where the dashboard is mounted, and the app it shows. */
export interface PageContext {
  readonly base: string;
  readonly appName: string;
}

/** A whole page: header with navigation, optional notice, content. */
export function layout(
  ctx: PageContext,
  page: string,
  title: string,
  body: Html,
  options: { notice?: string; error?: string; refreshSeconds?: number } = {},
): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${title} · celeriac</title><style>${raw(CSS)}</style></head>
<body><header><a class="brand" href="${ctx.base}/tasks">celer<span>iac</span></a>
<nav>${PAGES.map(([id, label, path]) => html`<a href="${ctx.base}${path}" class="${id === page ? 'on' : ''}">${label}</a>`)}</nav>
<div class="app">app <b>${ctx.appName}</b></div></header>
<main>${options.notice ? html`<div class="notice" role="status">${options.notice}</div>` : ''}
${options.error ? html`<div class="notice err" role="alert">${options.error}</div>` : ''}
${body}</main></body></html>`;
}

/** A state badge, coloured by state. */
export function stateBadge(state: string): Html {
  return html`<span class="badge s-${state}">${state}</span>`;
}

/** A time as `HH:MM:SS.mmm` (UTC), with the full ISO time as a tooltip. */
export function time(date: Date | undefined): Html {
  if (!date) return html`<span class="muted">—</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 23)}</time>`;
}

/** Milliseconds as `12 ms` or `3.4 s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** An explained empty state. */
export function empty(title: string, explanation: Html | string): Html {
  return html`<div class="empty"><strong>${title}</strong>${explanation}</div>`;
}

/** Succeeded and failed tasks per minute, as stacked bars (inline SVG, no script). */
export function ratesChart(points: readonly RatePoint[]): Html {
  const max = Math.max(1, ...points.map((p) => p.succeeded + p.failed));
  const width = 100 / Math.max(1, points.length);
  const total = points.reduce((n, p) => n + p.succeeded + p.failed, 0);
  const bars = points.map((p, i) => {
    const ok = (p.succeeded / max) * 100;
    const bad = (p.failed / max) * 100;
    const label = `${p.minute.toISOString().slice(11, 16)}: ${p.succeeded} succeeded, ${p.failed} failed`;
    return html`<g><title>${label}</title><rect x="${i * width + width * 0.1}%" y="${100 - ok - bad}%" width="${width * 0.8}%" height="${ok}%" fill="#1f9d55"></rect><rect x="${i * width + width * 0.1}%" y="${100 - bad}%" width="${width * 0.8}%" height="${bad}%" fill="#d92d20"></rect></g>`;
  });
  return html`<div class="panel" id="rates"><div class="chart"><svg role="img" aria-label="Tasks per minute" preserveAspectRatio="none">${bars}</svg></div>
<div class="axis"><span>${points.length} min ago</span><span>now</span></div>
<div class="legend">Tasks finished per minute, last ${points.length} minutes (peak ${max}/min, ${total} in all)<i style="background:#1f9d55"></i>succeeded<i style="background:#d92d20"></i>failed</div></div>`;
}
