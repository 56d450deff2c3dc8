/** When a failed attempt is tried again (SPEC §9): the schedule's step, ±20 % so receivers coming back are not hit by every server at once. */

/** SPEC §9's default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => s * 1000);
const JITTER = 0.2;

/**
 * The delay before attempt `failedAttempt + 1`, or null when attempt `failedAttempt` was the
 * last one the schedule allows. `random` is in [0, 1).
 */
export function retryDelayMs(schedule: readonly number[], failedAttempt: number, random: () => number): number | null {
  const step = schedule[failedAttempt - 1];
  return step === undefined ? null : jittered(step, random);
}

/** The pause of an endpoint failing everything, `failedRounds` in a row: the schedule's steps, then its last step for ever. */
export function endpointPauseMs(schedule: readonly number[], failedRounds: number, random: () => number): number {
  const step = schedule[Math.min(failedRounds, schedule.length) - 1] ?? 0;
  return jittered(step, random);
}

function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (1 - JITTER + 2 * JITTER * random()));
}
