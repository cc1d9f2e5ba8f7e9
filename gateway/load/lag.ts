import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 20;

/**
 * Event-loop lag from perf_hooks.monitorEventLoopDelay, in windows of one load-timer tick (1 s):
 * lagMs() is the largest delay in the last window (for metrics and the page); sustainedLagMs() is
 * the smaller of the last two windows' mean delays, what overload control acts on, so one long
 * synchronous task (a cold start, a big XML parse) does not shed logins by itself.
 */
export class LagMonitor {
  private readonly histogram: ReturnType<typeof monitorEventLoopDelay> = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private last = 0;
  private means: [number, number] = [0, 0];

  constructor() {
    this.histogram.enable();
  }

  /** Close the window: remember its lag and start a new one. */
  sample(): number {
    const maxMs = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    this.last = Math.max(0, maxMs - RESOLUTION_MS);
    const meanMs = this.histogram.count > 0 ? Math.max(0, this.histogram.mean / 1e6 - RESOLUTION_MS) : 0;
    this.means = [this.means[1], meanMs];
    this.histogram.reset();
    return this.last;
  }

  /** The last window's lag, in milliseconds. */
  lagMs(): number {
    return this.last;
  }

  sustainedLagMs(): number {
    return Math.min(...this.means);
  }

  stop(): void {
    this.histogram.disable();
  }
}
