import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../sdk/core/errors.js';
import { globPrefix, matchesName, parseTaskSearch, parseTime } from '../../sdk/inspect/query.js';

describe('parseTaskSearch', () => {
  it('reads name, states and free text from a Flower-like search', () => {
    expect(parseTaskSearch('name:email.* state:failure,RETRY  welcome ada')).toEqual({
      name: 'email.*',
      states: ['FAILURE', 'RETRY'],
      text: 'welcome ada',
    });
  });

  it('reads absolute and relative times', () => {
    const query = parseTaskSearch('since:2026-11-22T10:00:00Z until:2026-11-22T11:00:00Z');
    expect(query.since?.toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(query.until?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
    expect(parseTime('15m', 'since', 1_000_000_000).getTime()).toBe(1_000_000_000 - 900_000);
  });

  it('throws OptionsError naming an unknown state or a bad time', () => {
    expect(() => parseTaskSearch('state:DONE')).toThrow(OptionsError);
    expect(() => parseTaskSearch('state:DONE')).toThrow(/Unknown state "DONE": use one of PENDING, STARTED/);
    expect(() => parseTaskSearch('since:yesterday')).toThrow(/since must be an ISO 8601 time or a duration/);
  });
});

describe('matchesName', () => {
  it('matches exact names and globs, with dots taken literally', () => {
    expect(matchesName('email.send', 'email.send')).toBe(true);
    expect(matchesName('email.*', 'email.send')).toBe(true);
    expect(matchesName('email.*', 'emailXsend')).toBe(false);
    expect(matchesName('*.send', 'sms.send')).toBe(true);
    expect(matchesName('email.*', undefined)).toBe(false);
    expect(globPrefix('email.*')).toBe('email.');
    expect(globPrefix('*.send')).toBe('');
  });
});
