import { VERSION_CHECK_INTERVAL_MS } from '../../src/core/cache-staleness.ts';

/**
 * Polls `probe` until it holds and returns how long that took, or fails at the deadline: what other processes (or a
 * rebuilt provider) keep in memory is in force within the version check interval; the default deadline adds slack
 * for a loaded machine.
 */
export async function within(
  what: string,
  probe: () => Promise<boolean>,
  deadlineMs = VERSION_CHECK_INTERVAL_MS + 2000,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > deadlineMs) throw new Error(`${what}: not in force within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
