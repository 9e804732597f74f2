/**
 * How many generated inputs each fuzz property checks: a few thousand in `npm test`, and
 * `CELERIAC_FUZZ_RUNS` (`npm run bench:fuzz` sets 100,000) in the bench variant.
 */
export const FUZZ_RUNS = Number(process.env.CELERIAC_FUZZ_RUNS ?? 1_000);

/** Vitest timeout for a fuzz test: generous, scaled with the number of runs. */
export const FUZZ_TIMEOUT_MS = Math.max(60_000, FUZZ_RUNS * 20);
