// How busy the shared machine is: the runner waits for a quiet moment before each run and records
// how much CPU other processes took during it (Linux /proc; elsewhere both are skipped).

import { readFileSync } from "node:fs";

function cpuTotals() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime are fields 14-17 of the whole line, 12-15 after the name.
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

/** A snapshot of machine-wide CPU time and of each of `pids`, for `foreignShare` and `cpuSeconds`. */
export function snapshot(pids) {
  const totals = cpuTotals();
  if (totals === null) return null;
  const each = pids.map(processTicks);
  return { ...totals, each, own: each.reduce((a, b) => a + b, 0) };
}

/** CPU seconds each of the snapshot's processes used between two snapshots (Linux clock ticks are 1/100 s). */
export function cpuSeconds(before, after) {
  if (before === null || after === null) return null;
  return after.each.map((ticks, i) => (ticks - before.each[i]) / 100);
}

/** Share of all cores that processes other than `pids` used between two snapshots (0..1), or null. */
export function foreignShare(before, after) {
  if (before === null || after === null || after.total <= before.total) return null;
  const foreign = after.busy - before.busy - (after.own - before.own);
  return Math.max(0, Math.min(1, foreign / (after.total - before.total)));
}

/**
 * Waits until the machine's busy share (all cores) stays under `threshold` for one 300 ms sample,
 * or `maxSeconds` pass. Resolves to the seconds waited.
 */
export async function waitForQuiet(threshold, maxSeconds) {
  const start = Date.now();
  if (cpuTotals() === null) return 0;
  for (;;) {
    const a = cpuTotals();
    await new Promise((r) => setTimeout(r, 300));
    const b = cpuTotals();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if (busy < threshold || Date.now() - start > maxSeconds * 1000) return (Date.now() - start) / 1000;
  }
}
