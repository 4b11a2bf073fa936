/**
 * Agent time. `cap` hands packets over without the kernel's timestamp, so the agent stamps
 * each one when the callback runs. The clock is the monotonic `performance.now()` anchored
 * once to the wall clock (`performance.timeOrigin`): stamps never go backwards when the
 * wall clock is stepped, and cost no system call. Hello, Inventory and batch times use the
 * same clock, so the collector's clock-offset estimate applies to capture times exactly.
 */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
