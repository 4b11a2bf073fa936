/**
 * Periodic work: resolve mismatches quiet for the configured period, prune raw
 * observations past retention, run the correlator's time-based rules, and refresh the
 * open-mismatch gauges. Runs never overlap; a failing run is logged and retried next time.
 */
import type { Logger } from '@neighwatch/config';
import type { Store } from '@neighwatch/store';
import type { Collector } from './collector';
import type { CollectorMetrics } from './metrics';

/** The correlator's time-based rules (PHANTOM_LLADDR) run this often. */
export const TICK_INTERVAL_MS = 5_000;
/** Open mismatches counted per run for the gauge. */
const GAUGE_PAGE = 10_000;

export interface MaintenanceOptions {
  intervalMs: number;
  quietUs: number;
  retentionUs: number;
}

export class Maintenance {
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  private ticking = false;

  constructor(
    private readonly collector: Collector,
    private readonly store: Store,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
    private readonly options: MaintenanceOptions,
  ) {}

  start(): void {
    void this.run();
    this.timers.push(setInterval(() => void this.run(), this.options.intervalMs));
    this.timers.push(setInterval(() => void this.tick(), Math.min(TICK_INTERVAL_MS, this.options.intervalMs)));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.collector.tick();
    } catch (error) {
      this.log.warn('time-based correlation failed', { error });
    } finally {
      this.ticking = false;
    }
  }

  /** One maintenance pass; exported for tests through `start`. */
  async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now() * 1000;
      const resolved = await this.store.resolveQuiet(now, this.options.quietUs);
      if (resolved.length) this.log.info('mismatches resolved after a quiet period', { count: resolved.length });
      const { observationsDeleted } = await this.store.prune(now, this.options.retentionUs);
      if (observationsDeleted) this.log.info('old observations pruned', { count: observationsDeleted });
      const open = await this.store.listMismatches({ state: 'open', includeSuppressed: false }, { limit: GAUGE_PAGE });
      this.metrics.mismatchesOpen.reset();
      for (const row of open.items) this.metrics.mismatchesOpen.inc({ kind: row.kind });
    } catch (error) {
      this.log.warn('maintenance failed; retrying next interval', { error });
    } finally {
      this.busy = false;
    }
  }
}
