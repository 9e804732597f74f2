/** Sub-minute intervals a per-minute fan-out can run evenly: the divisors of 60 below 60. */
export const SUB_MINUTE_INTERVALS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30] as const;
