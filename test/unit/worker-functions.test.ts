import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../sdk/core/errors.js';
import { parseWorkerFunctions } from '../../sdk/core/contract/worker-functions.js';

const QUEUES = ['default', 'exports'];

describe('parseWorkerFunctions', () => {
  it('gives a bare function name to every queue', () => {
    expect(Object.fromEntries(parseWorkerFunctions('shop-Worker-AbC123', QUEUES))).toEqual({ default: 'shop-Worker-AbC123', exports: 'shop-Worker-AbC123' });
  });

  it('reads queue=function pairs separated by commas or spaces, pairs winning over a bare name', () => {
    expect(Object.fromEntries(parseWorkerFunctions('default=a, exports=b', QUEUES))).toEqual({ default: 'a', exports: 'b' });
    expect(Object.fromEntries(parseWorkerFunctions('exports=b all', QUEUES))).toEqual({ default: 'all', exports: 'b' });
    expect(Object.fromEntries(parseWorkerFunctions('all exports=b', QUEUES))).toEqual({ default: 'all', exports: 'b' });
    expect(parseWorkerFunctions('  ', QUEUES).size).toBe(0);
  });

  it('throws OptionsError naming an undeclared queue or an empty side', () => {
    expect(() => parseWorkerFunctions('emails=fn', QUEUES)).toThrow(OptionsError);
    expect(() => parseWorkerFunctions('emails=fn', QUEUES)).toThrow(/queue "emails".*declared: default, exports/);
    expect(() => parseWorkerFunctions('default=', QUEUES)).toThrow(/must be a function name or queue=function/);
  });
});
