import { signalEvents, signals, telegramChannels, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { HttpError } from '../http/errors';
import { idParamsSchema, iso, limitSchema, num, timeBoundSchema, timeRange } from '../http/query';
import type { RouteSpec } from '../http/route';

type SignalRow = typeof signals.$inferSelect;
type EventRow = typeof signalEvents.$inferSelect;

/** The original API's snake_case row, prices as JSON numbers. */
export function signalJson(r: SignalRow) {
  return {
    id: r.id,
    ts: iso(r.ts),
    channel_id: r.channelId,
    message_id: r.messageId,
    asset: r.asset,
    signal_type: r.signalType,
    buy_min: num(r.buyMin),
    buy_max: num(r.buyMax),
    target_1: num(r.target1),
    target_2: num(r.target2),
    target_final: num(r.targetFinal),
    targets: r.targets.map(Number),
    stop: num(r.stop),
    status: r.status,
    last_result_pct: num(r.lastResultPct),
    expires_at: iso(r.expiresAt),
    raw_message: r.rawMessage,
    parser_version: r.parserVersion,
    ingested_at: iso(r.ingestedAt),
    updated_at: iso(r.updatedAt),
  };
}

const eventJson = (e: EventRow) => ({
  id: e.id,
  event_type: e.eventType,
  percentage: num(e.percentage),
  channel_id: e.channelId,
  message_id: e.messageId,
  message_ts: iso(e.messageTs),
  raw_message: e.rawMessage,
  created_at: iso(e.createdAt),
});

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(100, 1000),
    channel: { type: 'string', maxLength: 32 },
    type: { type: 'string', maxLength: 64 },
    asset: { type: 'string', maxLength: 16 },
    status: { type: 'string', maxLength: 32 },
    search: { type: 'string', maxLength: 200 },
    from: timeBoundSchema,
    to: timeBoundSchema,
  },
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function signalRoutes(db: Database): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/signals',
      summary: 'Parsed signals, newest first',
      tag: 'signals',
      query: listQuery,
      responses: { 200: '{ data: Signal[] }', 400: 'Invalid filter', 429: 'Rate limited' },
      handler: async ({ res, query }) => {
        const filters: SQL[] = [];
        if (query.channel) filters.push(eq(signals.channelId, String(query.channel)));
        if (query.type) filters.push(ilike(signals.signalType, escapeLike(String(query.type))));
        if (query.asset) filters.push(eq(signals.asset, String(query.asset).toUpperCase()));
        if (query.status) filters.push(eq(signals.status, String(query.status)));
        if (query.search) {
          const pattern = `%${escapeLike(String(query.search))}%`;
          filters.push(or(ilike(signals.rawMessage, pattern), ilike(signals.asset, pattern)) as SQL);
        }
        filters.push(...timeRange(signals.ts, query));
        const rows = await db
          .select()
          .from(signals)
          .where(filters.length ? and(...filters) : undefined)
          .orderBy(desc(signals.ts), desc(signals.id))
          .limit(Number(query.limit));
        res.json({ data: rows.map(signalJson) });
      },
    },
    {
      method: 'get',
      path: '/signals/:id',
      summary: 'One signal with its lifecycle events',
      tag: 'signals',
      params: idParamsSchema,
      responses: { 200: '{ data: Signal & { events } }', 404: 'No such signal' },
      handler: async ({ res, params }) => {
        const [row] = await db.select().from(signals).where(eq(signals.id, Number(params.id))).limit(1);
        if (!row) throw new HttpError(404, 'not_found', `signal ${params.id} not found`);
        const events = await db.select().from(signalEvents).where(eq(signalEvents.signalId, row.id)).orderBy(asc(signalEvents.messageTs));
        res.json({ data: { ...signalJson(row), events: events.map(eventJson) } });
      },
    },
    {
      method: 'delete',
      path: '/signals/:id',
      summary: 'Delete a signal and its events',
      tag: 'signals',
      auth: 'apiKey',
      params: idParamsSchema,
      responses: { 200: 'Deleted', 401: 'Missing or wrong X-API-Key', 404: 'No such signal' },
      handler: async ({ res, params }) => {
        const id = Number(params.id);
        const removed = await db.transaction(async (tx) => {
          const rows = await tx.delete(signals).where(eq(signals.id, id)).returning({ id: signals.id });
          if (rows.length) await tx.delete(signalEvents).where(inArray(signalEvents.signalId, [id]));
          return rows.length;
        });
        if (!removed) throw new HttpError(404, 'not_found', `signal ${id} not found`);
        res.json({ data: { id, deleted: true } });
      },
    },
    {
      method: 'get',
      path: '/channels',
      summary: 'Channels with their signal count and latest signal',
      tag: 'signals',
      responses: { 200: '{ data: ChannelSummary[] }' },
      handler: async ({ res }) => {
        const stats = await db
          .select({ channelId: signals.channelId, signalCount: sql<number>`count(*)::int`, lastSignal: sql<Date>`max(${signals.ts})` })
          .from(signals)
          .groupBy(signals.channelId);
        const registered = await db.select().from(telegramChannels);
        const byId = new Map(registered.map((c) => [c.channelId, c]));
        const ids = new Set([...stats.map((s) => s.channelId), ...registered.map((c) => c.channelId)]);
        const data = [...ids].map((channelId) => {
          const s = stats.find((x) => x.channelId === channelId);
          const c = byId.get(channelId);
          return {
            channel_id: channelId,
            label: c?.label ?? null,
            is_active: c?.isActive ?? null,
            signal_count: s?.signalCount ?? 0,
            last_signal: s?.lastSignal ? new Date(s.lastSignal).toISOString() : null,
          };
        });
        data.sort((a, b) => (b.last_signal ?? '').localeCompare(a.last_signal ?? ''));
        res.json({ data });
      },
    },
  ];
}
