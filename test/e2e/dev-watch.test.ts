import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevProject, type DevProcess, type DevProject } from '../helpers/dev-project.js';

const tasks = (answer: number) => `
import { createApp } from '@celeriac';
import { factor } from './lib/factor.js';

export const app = createApp({ name: 'watched', queues: { default: {} } });

export const answer = app.task('answer', async () => ${answer} * factor);
`;

let project: DevProject;
let watcher: DevProcess;

async function answer(): Promise<{ id: string; result: unknown }> {
  const called = await project.run('call', 'answer', '[]', '--app', 'tasks.ts', '--json');
  expect(called.code, called.stderr).toBe(0);
  const { id } = JSON.parse(called.stdout) as { id: string };
  const done = await project.run('result', id, '--app', 'tasks.ts', '--wait', '--timeout', '30', '--json');
  expect(done.code, done.stderr).toBe(0);
  return { id, result: (JSON.parse(done.stdout) as { result: unknown }).result };
}

beforeAll(async () => {
  project = await createDevProject({ 'tasks.ts': tasks(1) });
  project.write('lib/factor.ts', 'export const factor = 1;\n');
}, 180_000);

afterAll(async () => {
  if (watcher) await watcher.kill('SIGTERM');
  await project?.dispose();
}, 30_000);

describe('celeriac dev --watch', () => {
  it('reloads the app when its module or a module it imports changes, keeping the emulator and its records', async () => {
    watcher = project.start('dev', '--watch', '--app', 'tasks.ts', '--no-dashboard');
    await watcher.waitFor(/queue: +default/);
    const emulatorPid = project.emulator()!.pid;
    const first = await answer();
    expect(first.result).toBe(1);

    let mark = watcher.output().length;
    project.write('tasks.ts', tasks(2));
    await watcher.waitFor(/celeriac dev --watch: reloaded tasks\.ts after changes to tasks\.ts/, 60_000, mark);
    expect((await answer()).result).toBe(2);

    mark = watcher.output().length;
    project.write('lib/factor.ts', 'export const factor = 10;\n');
    await watcher.waitFor(/reloaded tasks\.ts after changes to lib\/factor\.ts/, 60_000, mark);
    expect((await answer()).result).toBe(20);

    const kept = await project.run('result', first.id, '--app', 'tasks.ts', '--json');
    expect(JSON.parse(kept.stdout)).toMatchObject({ state: 'SUCCESS', result: 1 });
    expect(project.emulator()!.pid).toBe(emulatorPid);
    expect(watcher.output()).toContain(`reusing the emulator at http://127.0.0.1:${project.emulatorPort} (pid ${emulatorPid}`);

    // A file the app writes (not code) does not reload it.
    mark = watcher.output().length;
    project.write('lib/notes.log', 'written by a task\n');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(watcher.output().slice(mark)).not.toContain('reloading');

    expect(await watcher.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
