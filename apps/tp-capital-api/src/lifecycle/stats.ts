import { forwardedMessages, queryRows, signalEvents, signals, telegramChannels, type Database } from '@tp/db-schema';
import { sql, type SQL } from 'drizzle-orm';
import { HttpError, type RouteSpec, type Schema, dateTime, int, json, nullable, numSchema, obj, str } from '@tp/service-kit';
import { parseTimeBound, timeBoundSchema } from '../http/query';

export interface StatsFilter {
  /** Channel id or registered label. */
  channel?: string;
  from?: Date;
  to?: Date;
}

export interface TargetStats {
  target: number;
  /** Settled signals that have this target (listed, or hit). */
  signals: number;
  /** Of those, how many reached it (a higher target counts: the price passed it). */
  hits: number;
  rate: number | null;
  median_seconds_to_hit: number | null;
}

export interface ChannelStats {
  channel: string;
  channel_id: string;
  label: string | null;
  signals: number;
  open: number;
  expired: number;
  cancelled: number;
  settled: number;
  targets: TargetStats[];
  stops: number;
  stop_rate: number | null;
  result: { count: number; average_pct: number | null; median_pct: number | null };
  median_seconds_to_first_target: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);
const round = (value: string | number | null, digits: number) => (value === null ? null : Math.round(Number(value) * 10 ** digits) / 10 ** digits);

/**
 * The channel's signals in range, not deleted, with the status as of `now`: an open signal past its
 * expiry counts as expired even before the sweep has marked it. `settled` means the trade ran to an
 * outcome: neither still open, nor expired unfilled, nor cancelled by the channel.
 */
function scope(filter: StatsFilter, now: Date): SQL {
  const conditions: SQL[] = [sql`s.deleted_at is null`, sql`f.deleted_at is null`];
  if (filter.channel) conditions.push(sql`(s.channel_id = ${filter.channel} or c.label = ${filter.channel})`);
  if (filter.from) conditions.push(sql`s.ts >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) conditions.push(sql`s.ts <= ${filter.to.toISOString()}::timestamptz`);
  return sql`scoped as (
      select s.channel_id, c.label, s.ts, s.result_pct, s.highest_target, s.target_hits, s.first_target_at, s.stopped_at,
        cardinality(s.targets) as target_count,
        case when s.status = 'open' and s.expires_at <= ${now.toISOString()}::timestamptz
          and not exists (select 1 from ${signalEvents} e where e.signal_id = s.id) then 'expired' else s.status end as status
      from ${signals} s
      left join ${telegramChannels} c on c.channel_id = s.channel_id
      left join ${forwardedMessages} f on f.channel_id = s.channel_id and f.message_id = s.message_id and f.message_ts = s.ts
      where ${sql.join(conditions, sql` and `)}
    ),
    settled as (select * from scoped where status not in ('open', 'expired', 'cancelled'))`;
}

/** One channel's counts as the query returns them, before the targets and results are shaped. */
type ChannelRow = Pick<ChannelStats, 'channel_id' | 'label' | 'signals' | 'open' | 'expired' | 'cancelled' | 'settled' | 'stops'> & {
  results: number;
  average_pct: string | null;
  median_pct: number | null;
  median_first: number | null;
};

/** `GET /signals/stats`: per channel, how its signals turned out. */
export async function signalStats(db: Database, filter: StatsFilter, now = new Date()): Promise<ChannelStats[]> {
  const channels = await queryRows<ChannelRow>(
    db,
    sql`with ${scope(filter, now)}
      select channel_id, max(label) as label, count(*)::int as signals,
        count(*) filter (where status = 'open')::int as open,
        count(*) filter (where status = 'expired')::int as expired,
        count(*) filter (where status = 'cancelled')::int as cancelled,
        count(*) filter (where status not in ('open', 'expired', 'cancelled'))::int as settled,
        count(*) filter (where status = 'stopped')::int as stops,
        count(result_pct) filter (where status not in ('open', 'expired', 'cancelled'))::int as results,
        avg(result_pct) filter (where status not in ('open', 'expired', 'cancelled')) as average_pct,
        percentile_cont(0.5) within group (order by result_pct) filter (where status not in ('open', 'expired', 'cancelled')) as median_pct,
        percentile_cont(0.5) within group (order by extract(epoch from first_target_at - ts))
          filter (where status not in ('open', 'expired', 'cancelled') and first_target_at is not null) as median_first
      from scoped group by channel_id order by channel_id`,
  );
  const targets = await queryRows<{ channel_id: string; target: number; signals: number; hits: number; median_seconds: number | null }>(
    db,
    sql`with ${scope(filter, now)}
      select channel_id, n as target, count(*)::int as signals,
        count(*) filter (where highest_target >= n)::int as hits,
        percentile_cont(0.5) within group (order by extract(epoch from (target_hits ->> n::text)::timestamptz - ts))
          filter (where target_hits ? n::text) as median_seconds
      from settled cross join lateral generate_series(1, greatest(target_count, coalesce(highest_target, 0))) as n
      group by channel_id, n order by channel_id, n`,
  );
  return channels.map((c) => ({
    channel: c.label ?? c.channel_id,
    channel_id: c.channel_id,
    label: c.label,
    signals: c.signals,
    open: c.open,
    expired: c.expired,
    cancelled: c.cancelled,
    settled: c.settled,
    targets: targets
      .filter((t) => t.channel_id === c.channel_id)
      .map((t) => ({ target: Number(t.target), signals: t.signals, hits: t.hits, rate: ratio(t.hits, t.signals), median_seconds_to_hit: round(t.median_seconds, 0) })),
    stops: c.stops,
    stop_rate: ratio(c.stops, c.settled),
    result: { count: c.results, average_pct: round(c.average_pct, 4), median_pct: round(c.median_pct, 4) },
    median_seconds_to_first_target: round(c.median_first, 0),
  }));
}

const rate = { ...nullable(numSchema), minimum: 0, maximum: 1 };
const seconds = nullable(numSchema);
export const channelStatsSchema: Schema = obj({
  channel: { ...str, description: 'Registered label, else the channel id' },
  channel_id: str,
  label: nullable(str),
  signals: { ...int, description: 'Signals in range (deleted ones left out)' },
  open: { ...int, description: 'Still open, within their entry window' },
  expired: { ...int, description: 'Open past their `até dia DD/MM` entry window with nothing reported' },
  cancelled: { ...int, description: 'Cancelled by the channel (never traded)' },
  settled: { ...int, description: 'Signals that ran to an outcome (a target, the stop, a close or partial exit): the base of every rate' },
  targets: {
    type: 'array',
    description: 'Per target number: settled signals that have it, how many reached it, and the median time from the signal to its hit',
    items: obj({ target: int, signals: int, hits: int, rate, median_seconds_to_hit: seconds }),
  },
  stops: int,
  stop_rate: rate,
  result: {
    ...obj({ count: int, average_pct: nullable(numSchema), median_pct: nullable(numSchema) }),
    description: "Result the channel's way: the highest target hit (else the stop) ÷ the buy range's low end − 1, in percent, over settled signals that have one",
  },
  median_seconds_to_first_target: seconds,
});

export const statsQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channel: { type: 'string', maxLength: 200, description: 'Channel id or its registered label' },
    from: { ...timeBoundSchema, description: 'Signals at or after: epoch milliseconds or a date string' },
    to: { ...timeBoundSchema, description: 'Signals at or before: epoch milliseconds or a date string' },
  },
};

/** The `GET /signals/stats` route; mounted before `/signals/:id`, which would read `stats` as an id. */
export function signalStatsRoute(db: Database): RouteSpec {
  return {
    method: 'get',
    path: '/signals/stats',
    summary: 'Per channel: signals, hit rate per target, stop rate, average and median result, median time to the first target',
    tag: 'signals',
    query: statsQuery,
    responses: {
      200: json('{ data: ChannelStats[], from, to, generated_at }', obj({ data: { type: 'array', items: channelStatsSchema }, from: nullable(dateTime), to: nullable(dateTime), generated_at: dateTime })),
      400: 'Invalid channel, from or to',
      429: 'Rate limited',
    },
    handler: async ({ res, query }) => {
      const from = parseTimeBound(query.from, 'from');
      const to = parseTimeBound(query.to, 'to');
      if (from && to && from > to) throw new HttpError(400, 'validation_failed', 'from is after to', [{ path: 'from', message: 'must not be after to' }]);
      const now = new Date();
      const data = await signalStats(db, { channel: query.channel === undefined ? undefined : String(query.channel), from, to }, now);
      res.json({ data, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, generated_at: now.toISOString() });
    },
  };
}
