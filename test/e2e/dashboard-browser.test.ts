import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createCoreApp } from '../../sdk/core/app.js';
import { currentTask } from '../../sdk/core/context.js';
import { TaskState } from '../../sdk/core/states.js';
import { createDashboard, serveDashboard, type ServedDashboard } from '../../sdk/dashboard/server.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import type { Inspector } from '../../sdk/inspect/inspector.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { ensureChromium, CHROMIUM_ARGS } from '../helpers/chromium.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

/**
 * Screenshots of each page, saved by every run of this test in `.celeriac/screenshots` (ignored);
 * `CELERIAC_SCREENSHOTS_DIR=docs/screenshots` refreshes the ones the README shows.
 */
const SCREENSHOTS = resolve(process.env.CELERIAC_SCREENSHOTS_DIR ?? '.celeriac/screenshots');
const browserCheck = ensureChromium();
if ('missing' in browserCheck) console.warn(`Skipping the dashboard browser test: ${browserCheck.missing}`);

class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

describe.skipIf('missing' in browserCheck)('dashboard in a real browser (chromium)', () => {
  // Screenshots for the README show a stable app name; ordinary runs keep their own, unique one.
  const appName = process.env.CELERIAC_SCREENSHOTS_DIR ? 'shop' : uniqueAppName('dash');
  const app = createCoreApp({ name: appName, queues: { default: {}, emails: {} }, publishLingerMs: 1 });
  const sendEmail = app.task('email.send', async (to: string, subject: string) => ({ messageId: `<${to.length}.${subject.length}@shop.example>` }), {
    queue: 'emails',
  });
  const charge = app.task('billing.charge', async (orderId: string, cents: number) => {
    if (cents > 10_000) throw new CardDeclinedError(`Card declined for order ${orderId}: insufficient funds`);
    return { orderId, cents, receipt: `r-${orderId}` };
  });
  const report = app.task('reports.build', async (name: string) => {
    if (name === 'quarterly') currentTask().retry({ countdownSeconds: 600, cause: new Error('warehouse busy') });
    return { name, rows: 128 };
  });
  const add = app.task('math.add', async (x: number, y: number) => x + y);
  const note = app.task('notes.save', async (text: string) => text.length);

  let harness: Harness;
  let inspector: Inspector;
  let served: ServedDashboard;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    useEmulatorEnv();
    mkdirSync(SCREENSHOTS, { recursive: true });
    harness = await createHarness(app);
    harness.startWorker({ concurrency: 2 });
    const sent = await Promise.all([
      sendEmail.delay('ada@example.com', 'Welcome to the shop'),
      sendEmail.delay('grace@example.com', 'Your order shipped'),
      sendEmail.delay('alan@example.com', 'Password reset'),
      charge.delay('order-41', 1_999),
      charge.delay('order-42', 25_000),
      charge.delay('order-43', 4_500),
      charge.delay('order-44', 99_000),
      report.delay('daily'),
      report.delay('quarterly'),
      add.delay(4, 4),
      add.delay(40, 2),
      note.delay('<script>window.__injected = 1</script><img src=x onerror="window.__injected = 2">'),
    ]);
    ids.declined = sent[4]!.id;
    ids.quarterly = sent[8]!.id;
    ids.script = sent[11]!.id;
    // Poison: an unknown task name, dead-lettered by the worker with the reason.
    await harness.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: harness.queue('default').url,
        Entries: ['inventory.sync', 'inventory.recount', 'legacy.cleanup'].map((task, i) => ({
          Id: `p${i}`,
          MessageBody: JSON.stringify({ id: `poison-${i}-${app.name}`, task, args: [i] }),
        })),
      }),
    );
    inspector = createAwsInspector(app, { sqs: harness.sqs, dynamodb: harness.dynamodb, redriveMethod: 'copy' });
    await app.schedules.create('reports.nightly', report, { cron: '0 2 * * *', timezone: 'Europe/Paris', args: ['daily'], description: 'Daily sales report' });
    await app.schedules.create('email.digest', sendEmail, { every: '10m', args: ['team@example.com', 'Digest'] });
    await eventually(
      async () => {
        const records = await Promise.all(sent.map((s) => inspector.getTask(s.id)));
        const settled = records.every((r) => r && (r.state === TaskState.SUCCESS || r.state === TaskState.FAILURE || r.state === TaskState.RETRY));
        const stats = await inspector.queueStats();
        return settled && stats.find((s) => s.name === 'default')!.deadLetters === 3 ? true : undefined;
      },
      60_000,
      'every task to be recorded and the poison messages dead-lettered',
    );
    await harness.stopWorker();
    served = await serveDashboard(createDashboard(inspector), { port: 0 });
    browser = await chromium.launch({ executablePath: (browserCheck as { path: string }).path, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    page.on('dialog', (dialog) => void dialog.accept());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await harness?.dispose();
  });

  const shoot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('lists the tasks with coloured states, and filters to FAILURE', async () => {
    await page.goto(`${served.url}/tasks`);
    // 12 tasks, and the 3 poison messages recorded as FAILURE with the reason.
    await expect.poll(() => page.locator('tbody tr').count()).toBe(15);
    await shoot('tasks');

    await page.click('.chips a[data-state="FAILURE"]');
    await page.waitForURL(/state=FAILURE/);
    const states = await page.locator('tbody tr .badge').allTextContents();
    expect(states).toEqual(Array(5).fill('FAILURE'));
    expect((await page.locator('tbody tr td:nth-child(2)').allTextContents()).sort()).toEqual([
      'billing.charge',
      'billing.charge',
      'inventory.recount',
      'inventory.sync',
      'legacy.cleanup',
    ]);
  });

  it('opens a failed task: timeline, arguments, error and traceback', async () => {
    await page.goto(`${served.url}/tasks?state=FAILURE`);
    await page.click(`a:has-text("${ids.declined}")`);
    await page.waitForURL(new RegExp(ids.declined!));
    expect(await page.locator('#args').textContent()).toBe('["order-42",25000]');
    expect(await page.locator('#traceback').textContent()).toContain('CardDeclinedError: Card declined for order order-42');
    expect(await page.locator('.timeline li').count()).toBeGreaterThanOrEqual(3);
    await shoot('task-detail');
  });

  it('revokes a task waiting for its retry', async () => {
    await page.goto(`${served.url}/tasks/${ids.quarterly}`);
    expect(await page.locator('h1 .badge').textContent()).toBe('RETRY');
    await page.click('button:has-text("Revoke")');
    await page.waitForSelector('[role=status]');
    expect(await page.locator('[role=status]').textContent()).toContain('Task revoked');
    expect(await page.locator('h1 .badge').textContent()).toBe('REVOKED');
    expect((await inspector.getTask(ids.quarterly!))?.state).toBe(TaskState.REVOKED);
  });

  it('renders task arguments containing <script> as text', async () => {
    await page.goto(`${served.url}/tasks/${ids.script}`);
    expect(await page.locator('#args').textContent()).toBe(
      JSON.stringify(['<script>window.__injected = 1</script><img src=x onerror="window.__injected = 2">']),
    );
    expect(await page.evaluate(() => (globalThis as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.locator('main script, main img').count()).toBe(0);
  });

  it('shows queue counts, lists the dead letters with their reason and redrives them all', async () => {
    await page.goto(`${served.url}/queues`);
    expect(await page.locator('tr[data-queue="default"] td:nth-child(6)').textContent()).toBe('3');
    await shoot('queues');

    await page.click('tr[data-queue="default"] a:has-text("Dead letters")');
    await expect.poll(() => page.locator('tbody tr[data-message-id]').count()).toBe(3);
    expect(await page.locator('tbody tr .badge').first().textContent()).toBe('UNKNOWN_TASK');
    await shoot('dead-letters');

    await page.click('button:has-text("Redrive all")');
    await page.waitForSelector('[role=status]');
    expect(await page.locator('[role=status]').textContent()).toContain('Moved 3 messages back to default');
    expect(await page.locator('.empty strong').textContent()).toBe('The dead-letter queue is empty');
    const stats = (await inspector.queueStats()).find((s) => s.name === 'default')!;
    expect(stats.deadLetters).toBe(0);
    expect(stats.visible).toBe(3);
  });

  it('lists schedules with their next runs, and pauses one', async () => {
    await page.goto(`${served.url}/schedules`);
    expect(await page.locator('tr[data-schedule]').count()).toBe(2);
    expect(await page.locator('tr[data-schedule="reports.nightly"] td:nth-child(3)').textContent()).toContain('Europe/Paris');
    expect(await page.locator('tr[data-schedule="reports.nightly"] td:nth-child(5) time').count()).toBe(3);
    await shoot('schedules');

    await page.click('tr[data-schedule="email.digest"] button:has-text("Pause")');
    await page.waitForSelector('[role=status]');
    expect(await page.locator('tr[data-schedule="email.digest"] .badge').first().textContent()).toBe('PAUSED');
    expect((await app.schedules.get('email.digest'))?.enabled).toBe(false);
  });

  it('shows worker activity per queue with the rates chart', async () => {
    await page.goto(`${served.url}/workers`);
    expect(await page.locator('#rates svg rect').count()).toBe(120);
    expect(await page.locator('tbody tr').count()).toBe(2);
    // Where the worker figures come from: here the records (no local runtime, no worker function named).
    expect(await page.locator('#worker-source').textContent()).toContain('task records');
    expect(await page.locator('tbody tr[data-source="records"] .badge').allTextContents()).toEqual(['Task records', 'Task records']);
    await shoot('workers');
  });
});
