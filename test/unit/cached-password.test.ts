import { describe, expect, it } from 'vitest';
import { CachedPassword, PASSWORD_REFRESH_MS, PASSWORD_RETRY_MS } from '../../sdk/dashboard/password.js';

/** A password store whose value can change, counting its reads, on a hand-moved clock. */
function store(initial: string) {
  const state = { value: initial, reads: 0, failing: false, now: 1_000_000 };
  const load = () => {
    state.reads += 1;
    return state.failing ? Promise.reject(new Error('AccessDeniedException')) : Promise.resolve(state.value);
  };
  return { state, password: new CachedPassword(load, { now: () => state.now }) };
}

describe('CachedPassword', () => {
  it('reads the store once at preload and answers checks from memory', async () => {
    const { state, password } = store('s3cret');
    password.preload();
    expect(state.reads).toBe(1);
    expect(await password.check('s3cret')).toBe(true);
    expect(await password.check('s3cret')).toBe(true);
    expect(state.reads).toBe(1);
  });

  it('reads the store again after a failed check at most once every minute, so a rotated password works', async () => {
    const { state, password } = store('old');
    expect(await password.check('old')).toBe(true);
    state.value = 'new';
    // Within the minute: wrong guesses and the new password alike are checked against memory.
    state.now += PASSWORD_REFRESH_MS - 1;
    expect(await password.check('new')).toBe(false);
    expect(await password.check('guess')).toBe(false);
    expect(state.reads).toBe(1);
    state.now += 1;
    expect(await password.check('new')).toBe(true);
    expect(state.reads).toBe(2);
    expect(await password.check('old')).toBe(false);
    expect(state.reads).toBe(2);
  });

  it('throws while the store cannot be read, asking it again only after a pause', async () => {
    const { state, password } = store('s3cret');
    state.failing = true;
    await expect(password.check('s3cret')).rejects.toThrow('AccessDeniedException');
    state.failing = false;
    await expect(password.check('s3cret')).rejects.toThrow('AccessDeniedException');
    expect(state.reads).toBe(1);
    state.now += PASSWORD_RETRY_MS;
    expect(await password.check('s3cret')).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('tells apart passwords of any length without throwing', async () => {
    const { password } = store('s3cret');
    for (const guess of ['', 's', 's3cre', 's3cret!', 'S3CRET', 'x'.repeat(10_000)]) expect(await password.check(guess)).toBe(false);
  });
});
