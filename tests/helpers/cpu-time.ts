/**
 * CPU seconds this process and its finished child processes (Tesseract, pdftoppm) have used, from
 * /proc/self/stat (utime + stime + cutime + cstime): a figure the load of other programs on the
 * machine does not inflate, unlike wall time. Null where /proc is not there (not Linux).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux). */
const TICKS = 100;

export function cpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
    return (utime! + stime! + cutime! + cstime!) / TICKS;
  } catch {
    return null;
  }
}
