import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useTestTransport } from '../../sdk/testing/index.js';
import { app, exportUsers } from '../../examples/app/tasks.js';

it('reports the CSV export’s progress as PROGRESS { current, total } while it writes', async () => {
  process.env.CELERIAC_EXAMPLE_OUTPUT = await mkdtemp(join(tmpdir(), 'celeriac-export-'));
  const env = useTestTransport(app);
  const seen: unknown[] = [];
  const updateState = env.backend.updateState.bind(env.backend);
  env.backend.updateState = async (id, state, meta) => {
    seen.push({ state, meta });
    return updateState(id, state, meta);
  };
  const result = await exportUsers.delay('ops@shop.example', 2_500);
  const { file, rows } = await result.get({ timeoutMs: 60_000 });
  expect(rows).toBe(2_500);
  expect(seen).toEqual([
    { state: 'PROGRESS', meta: { current: 1_000, total: 2_500 } },
    { state: 'PROGRESS', meta: { current: 2_000, total: 2_500 } },
  ]);
  const csv = await readFile(file, 'utf8');
  expect(csv.trim().split('\n')).toHaveLength(2_501);
  expect(csv.startsWith('id,name,email,joined\n1,User 1,')).toBe(true);
});
