/**
 * The example app: the tasks of a small web shop, after the scenarios of Celery tutorials:
 * e-mails sent from a web view, a CSV export run later on its own queue, SMS login codes, `add`, and
 * periodic tasks (a report every 3 seconds, a weekly summary on Monday 07:30 in Asia/Shanghai).
 * Services import `app` and the tasks; the worker (functions/worker/handler.ts) runs them.
 */
import { randomInt } from 'node:crypto';
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { createApp, currentTask } from '../../sdk/index.js';

/** Raised by the SMS gateway when it is busy: worth a retry. */
export class SmsGatewayBusyError extends Error {
  override name = 'SmsGatewayBusyError';
}

export const app = createApp({
  name: 'celeriac-example',
  queues: {
    default: {},
    // Exports are slow and heavy: their own queue, two at a time at most.
    exports: { batchSize: 1, maxConcurrency: 2 },
  },
  errorTypes: [SmsGatewayBusyError],
  // Celery's `timezone`: crontab schedules are read in it.
  timezone: 'Asia/Shanghai',
});

/** Where the example writes its mail, CSV files and SMS log (Lambda: /tmp). */
export function outputDir(): string {
  return process.env.CELERIAC_EXAMPLE_OUTPUT ?? (process.env.AWS_LAMBDA_FUNCTION_NAME ? '/tmp/celeriac-example' : join(process.cwd(), 'examples/app/var'));
}

/** `add(4, 4)`: the first task of every Celery tutorial. */
export const add = app.task('math.add', async (x: number, y: number) => x + y, {
  argsSchema: z.tuple([z.number(), z.number()]),
});

const mailer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

/** Composes a real e-mail and writes it to the outbox as an .eml file (a stand-in for SMTP). */
export const sendEmail = app.task(
  'email.send',
  async (subject: string, content: string, to: string) => {
    const { id } = currentTask();
    const info = await mailer.sendMail({ from: 'Shop <no-reply@shop.example>', to, subject, text: content });
    const dir = join(outputDir(), 'outbox');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${id}.eml`);
    await writeFile(file, info.message as Buffer);
    return { messageId: info.messageId, to, file, sentAt: new Date() };
  },
  { argsSchema: z.tuple([z.string().min(1).max(200), z.string().max(100_000), z.email()]), retryBackoff: true },
);

/** Rows written between two progress updates of the export. */
const EXPORT_CHUNK_ROWS = 1_000;

/** Builds a CSV of users and writes it to the exports folder; run on the `exports` queue. */
export const exportUsers = app.task(
  'reports.export_users',
  async (requestedBy: string, count = 500) => {
    const { id } = currentTask();
    const rows = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      name: `User ${i + 1}`,
      email: `user${i + 1}@shop.example`,
      joined: new Date(Date.UTC(2026, 0, 1 + (i % 365))).toISOString().slice(0, 10),
    }));
    const dir = join(outputDir(), 'exports');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `users-${id}.csv`);
    const columns = ['id', 'name', 'email', 'joined'];
    await writeFile(file, stringify([], { header: true, columns }));
    // Written in chunks, with progress readers see as state PROGRESS and info { current, total }.
    for (let start = 0; start < rows.length; start += EXPORT_CHUNK_ROWS) {
      await appendFile(file, stringify(rows.slice(start, start + EXPORT_CHUNK_ROWS), { columns }));
      const current = Math.min(rows.length, start + EXPORT_CHUNK_ROWS);
      if (current < rows.length) await currentTask().updateState({ state: 'PROGRESS', meta: { current, total: rows.length } });
    }
    return { file, rows: rows.length, requestedBy };
  },
  { queue: 'exports', argsSchema: z.union([z.tuple([z.email()]), z.tuple([z.email(), z.number().int().min(1).max(100_000)])]) },
);

/** Sends a 6-digit login code by SMS (logged to sms.log); retried with backoff when the gateway is busy. */
export const sendSmsCode = app.task(
  'sms.send_code',
  async (phone: string) => {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await mkdir(outputDir(), { recursive: true });
    await appendFile(join(outputDir(), 'sms.log'), `${new Date().toISOString()} ${phone} Your code is ${code}\n`);
    return { phone, codeLength: code.length, validForSeconds: 300 };
  },
  {
    argsSchema: z.tuple([z.string().regex(/^\+?[0-9]{6,15}$/, 'a phone number of 6 to 15 digits, optionally with a leading +')]),
    autoretryFor: [SmsGatewayBusyError],
    retryBackoff: true,
    maxRetries: 5,
  },
);

/** Counts what the shop has produced so far and appends a line to reports/status.log. */
export const statusReport = app.task(
  'reports.status',
  async () => {
    const count = async (folder: string) => (await readdir(join(outputDir(), folder)).catch(() => [])).length;
    const line = { at: new Date().toISOString(), emails: await count('outbox'), exports: await count('exports') };
    await mkdir(join(outputDir(), 'reports'), { recursive: true });
    await appendFile(join(outputDir(), 'reports', 'status.log'), `${JSON.stringify(line)}\n`);
    return line;
  },
  // Twenty runs a minute: keep their records for an hour only.
  { resultExpiresSeconds: 3600 },
);

/** Mails the weekly summary to the given address. */
export const weeklySummary = app.task(
  'reports.weekly_summary',
  async (to: string) => {
    const result = await sendEmail.delay('Weekly summary', 'The shop had a good week.', to);
    return { queuedEmail: result.id };
  },
  { argsSchema: z.tuple([z.email()]) },
);

// celery beat's `beat_schedule`: every 3 seconds, and crontab(minute=30, hour=7, day_of_week=1).
app.schedule('reports.status-every-3s', statusReport, { every: '3s', expires: 30, description: 'shop status, every 3 seconds' });
app.schedule('reports.weekly-summary', weeklySummary, {
  cron: '30 7 * * 1',
  args: ['ops@shop.example'],
  description: 'weekly summary, Monday 07:30 Shanghai time',
});
