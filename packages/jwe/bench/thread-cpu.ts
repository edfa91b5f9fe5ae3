// CPU time split by thread: the JavaScript thread against everything else in the process (the libuv
// threadpool, where WebCrypto jobs run, plus V8's helpers). Node 20 has no per-thread CPU API, so this
// reads /proc/self/task on Linux; elsewhere only the process total is known and `main` is undefined.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc

export interface CpuSnapshot {
  readonly processMicros: number;
  readonly mainMicros: number | undefined;
}

function mainThreadMicros(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  return { processMicros: user + system, mainMicros: mainThreadMicros() };
}

/** CPU µs per operation since `before`: the whole process and, where known, the JavaScript thread. */
export function cpuPerOperation(
  before: CpuSnapshot,
  operations: number,
): { total: number; main: number | undefined } {
  const after = cpuSnapshot();
  const main =
    before.mainMicros === undefined || after.mainMicros === undefined
      ? undefined
      : (after.mainMicros - before.mainMicros) / operations;
  return { total: (after.processMicros - before.processMicros) / operations, main };
}
