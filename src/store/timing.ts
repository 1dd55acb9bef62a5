/**
 * Publication timing said to people. SQL keeps the signed `days_late` (negative: early; NULL: no
 * date); a person reads "on time (51 days early)", "on the deadline", "3 days late" or "date
 * unknown" — never "−51 days late".
 */

export type Timing = 'late' | 'on_time' | 'unknown';

/** Whether a report with this `days_late` was late, on time, or cannot be judged (no date). */
export function timingOf(daysLate: number | null | undefined): Timing {
  if (daysLate === null || daysLate === undefined || !Number.isFinite(daysLate)) return 'unknown';
  return daysLate > 0 ? 'late' : 'on_time';
}

const days = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;

/** "3 days late", "on time (51 days early)", "on time (on the deadline)", "date unknown". */
export function describeTiming(daysLate: number | null | undefined): string {
  switch (timingOf(daysLate)) {
    case 'unknown':
      return 'date unknown';
    case 'late':
      return `${days(daysLate as number)} late`;
    case 'on_time':
      return daysLate === 0 ? 'on time (on the deadline)' : `on time (${days(-(daysLate as number))} early)`;
  }
}
