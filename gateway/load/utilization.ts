import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * Event-loop utilisation (perf_hooks) in windows of one load-timer tick (1 s): the share of the window the loop
 * spent running JavaScript rather than waiting for I/O. A CPU-bound storm of cheap requests (hundreds of login
 * starts a second) keeps it near 1 while no single task is long, so the event-loop lag stays low and the
 * in-flight count small; utilisation is what shows the node has no time left. sustained() is the smaller of
 * the last two windows, what overload control acts on, so one busy second (a cold start) sheds nothing.
 */
export class UtilizationMonitor {
  private mark: EventLoopUtilization = performance.eventLoopUtilization();
  private windows: [number, number] = [0, 0];

  /** Close the window: remember its utilisation (0–1) and start a new one. */
  sample(): number {
    const now = performance.eventLoopUtilization();
    const last = performance.eventLoopUtilization(now, this.mark).utilization;
    this.mark = now;
    this.windows = [this.windows[1], last];
    return last;
  }

  /** The last window's utilisation. */
  last(): number {
    return this.windows[1];
  }

  sustained(): number {
    return Math.min(...this.windows);
  }
}
