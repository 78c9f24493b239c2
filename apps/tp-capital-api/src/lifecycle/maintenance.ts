import type { Database } from '@tp/db-schema';
import { Gauge, type Registry } from 'prom-client';
import { expireSignals, linkWaitingUpdates } from './replay';
import { signalStats, type ChannelStats } from './stats';

/** The all-time `GET /signals/stats` of each channel as Prometheus gauges, for the Grafana panel. */
export function createSignalStatsGauges(registry: Registry) {
  const registers = [registry];
  const signals = new Gauge({ name: 'api_signal_stats_signals', help: 'Signals of the channel (deleted ones left out)', labelNames: ['channel'] as const, registers });
  const settled = new Gauge({ name: 'api_signal_stats_settled', help: 'Signals that ran to an outcome: the base of the rates', labelNames: ['channel'] as const, registers });
  const targetHit = new Gauge({ name: 'api_signal_stats_target_hit_ratio', help: 'Share of settled signals with the target that reached it', labelNames: ['channel', 'target'] as const, registers });
  const stop = new Gauge({ name: 'api_signal_stats_stop_ratio', help: 'Share of settled signals that ended at the stop', labelNames: ['channel'] as const, registers });
  const result = new Gauge({
    name: 'api_signal_stats_result_percent',
    help: "Result the channel's way (highest target hit, else the stop, over the buy range's low end), average or median",
    labelNames: ['channel', 'stat'] as const,
    registers,
  });
  const firstTarget = new Gauge({ name: 'api_signal_stats_first_target_median_seconds', help: 'Median time from a signal to its first target', labelNames: ['channel'] as const, registers });
  const all = [signals, settled, targetHit, stop, result, firstTarget];
  return {
    update(stats: ChannelStats[]): void {
      // Reset first: a channel or target that is gone must not keep its last value.
      for (const gauge of all) gauge.reset();
      for (const c of stats) {
        const channel = c.channel;
        signals.set({ channel }, c.signals);
        settled.set({ channel }, c.settled);
        for (const t of c.targets) if (t.rate !== null) targetHit.set({ channel, target: String(t.target) }, t.rate);
        if (c.stop_rate !== null) stop.set({ channel }, c.stop_rate);
        if (c.result.average_pct !== null) result.set({ channel, stat: 'average' }, c.result.average_pct);
        if (c.result.median_pct !== null) result.set({ channel, stat: 'median' }, c.result.median_pct);
        if (c.median_seconds_to_first_target !== null) firstTarget.set({ channel }, c.median_seconds_to_first_target);
      }
    },
  };
}

export interface LifecycleMaintenanceOptions {
  intervalMs: number;
  /** Where the stats gauges are registered; without it only the expiry sweep runs. */
  registry?: Registry;
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/**
 * On a timer, off the request path: links updates that arrived before their signal (replaying their
 * channel), marks open signals past their expiry `expired` (so filters such as
 * `GET /signals?status=expired` see it; the stats also evaluate expiry on read) and refreshes the
 * stats gauges, so a Prometheus scrape never waits on the database. The timer does not keep the
 * process alive; `stop()` ends it.
 */
export function startLifecycleMaintenance(db: Database, options: LifecycleMaintenanceOptions): { stop(): void; runNow(): Promise<{ expired: number; relinkedChannels: number }> } {
  const gauges = options.registry ? createSignalStatsGauges(options.registry) : null;
  let running: Promise<{ expired: number; relinkedChannels: number }> | null = null;
  const run = async () => {
    const now = options.now?.() ?? new Date();
    const relinkedChannels = await linkWaitingUpdates(db, now);
    const expired = await expireSignals(db, now);
    if (gauges) gauges.update(await signalStats(db, {}, now));
    return { expired, relinkedChannels };
  };
  const runNow = () => {
    // One run at a time: a slow database does not stack up runs.
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    runNow().catch((error) => options.onError?.(error));
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow };
}
