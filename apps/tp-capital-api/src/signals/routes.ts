import { forwardedMessages, signalEvents, signals, signalVersions, telegramChannels, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, ilike, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { HttpError, type RouteSpec, type Schema, bool, dateTime, int, json, listOf, nullable, numSchema, obj, str } from '@tp/service-kit';
import { LEGACY_ERRORS } from '../http/errors';
import { epochMs, escapeLike, idParamsSchema, iso, limitSchema, num, parseTimeBound, timeBoundSchema, timeRange } from '../http/query';
import { signalStatsRoute } from '../lifecycle/stats';
import { correctionRoute, signalVersionsOf, versionSchema } from './corrections';

type SignalRow = typeof signals.$inferSelect;
type EventRow = typeof signalEvents.$inferSelect;

/**
 * A row imported from the original system shows what the original stored where a column here could not
 * hold it (a NULL text, a price beyond numeric(18,6)): `legacy_values` keeps those originals.
 */
function storedOriginals(r: SignalRow) {
  const kept = (r.legacyValues ?? {}) as Record<string, unknown>;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(kept, key);
  const price = (key: string, value: string | null) => {
    if (!has(key)) return num(value);
    const n = Number(kept[key]);
    return Number.isFinite(n) ? n : null;
  };
  return {
    channel: has('channel') ? (kept.channel as string | null) : r.channelId,
    rawMessage: has('raw_message') ? (kept.raw_message as string | null) : r.rawMessage,
    prices: {
      buy_min: price('buy_min', r.buyMin),
      buy_max: price('buy_max', r.buyMax),
      target_1: price('target_1', r.target1),
      target_2: price('target_2', r.target2),
      target_final: price('target_final', r.targetFinal),
      stop: price('stop', r.stop),
    },
  };
}

/**
 * The original API's row: `ts` in epoch milliseconds, `channel` as the registered label (else the id),
 * prices as JSON numbers; the richer fields of this API ride along. Rows imported from the original
 * system show its stored values and `source`.
 */
export function signalJson(r: SignalRow, extra: { label?: string | null; source?: string | null } = {}) {
  const original = storedOriginals(r);
  return {
    id: r.id,
    ts: epochMs(r.ts),
    channel: extra.label ?? original.channel,
    channel_id: r.channelId,
    message_id: r.messageId,
    asset: r.asset,
    signal_type: r.signalType,
    ...original.prices,
    targets: r.targets.map(Number),
    side: r.side,
    current_stop: num(r.currentStop),
    target_1_pct: num(r.target1Pct),
    stop_pct: num(r.stopPct),
    status: r.status,
    last_result_pct: num(r.lastResultPct),
    expires_at: iso(r.expiresAt),
    raw_message: original.rawMessage,
    source: extra.source ?? r.source ?? null,
    parser_version: r.parserVersion,
    result_pct: num(r.resultPct),
    result_basis: r.resultBasis,
    corrected_at: iso(r.correctedAt),
    corrected_by: r.correctedBy,
    deleted_at: iso(r.deletedAt),
    ingested_at: iso(r.ingestedAt),
    created_at: iso(r.ingestedAt),
    updated_at: iso(r.updatedAt),
  };
}

const price = nullable(numSchema);
export const signalSchema: Schema = obj({
  id: int,
  ts: int,
  // Null only on rows imported from the original system, which stored some without a channel or text.
  channel: nullable(str),
  channel_id: str,
  message_id: int,
  asset: str,
  signal_type: nullable(str),
  buy_min: price,
  buy_max: price,
  target_1: price,
  target_2: price,
  target_final: price,
  targets: { type: 'array', items: numSchema },
  stop: { ...price, description: 'The stop as posted (current_stop follows the moves)' },
  side: { enum: ['buy', 'sell'], description: 'sell: stop above the entry, targets below; results mirrored' },
  current_stop: { ...price, description: 'The latest stop the channel moved to; null while it never moved' },
  target_1_pct: { ...price, description: 'Target 1 as a result in percent, when given as a percentage of an unknown entry' },
  stop_pct: { ...price, description: 'The stop as a result in percent, when given as a percentage of an unknown entry' },
  status: str,
  last_result_pct: price,
  expires_at: nullable(dateTime),
  raw_message: nullable(str),
  source: nullable(str),
  parser_version: int,
  result_pct: { ...price, description: 'The outcome in percent (see the lifecycle rules in the README)' },
  result_basis: { ...nullable(str), description: '`target_<n>`, `stop`, `moved_stop` or `partial_exit+<stop basis>`' },
  corrected_at: { ...nullable(dateTime), description: 'When a trader last corrected the parsed fields (PUT /signals/{id})' },
  corrected_by: { ...nullable(str), description: 'The name of the API key of that correction' },
  deleted_at: nullable(dateTime),
  ingested_at: dateTime,
  created_at: dateTime,
  updated_at: dateTime,
});

/** The target an event refers to: `'final'` for a final target a `target_changed` names, else its number. */
const eventTarget = (e: EventRow): number | 'final' | null => (e.eventType === 'target_changed' && e.targetLabel === 'final' ? 'final' : e.target);

const eventJson = (e: EventRow) => ({
  id: e.id,
  event_type: e.eventType,
  target: eventTarget(e),
  price: num(e.price),
  points: num(e.points),
  breakeven: e.targetLabel === 'entry',
  percentage: num(e.percentage),
  channel_id: e.channelId,
  message_id: e.messageId,
  message_ts: iso(e.messageTs),
  raw_message: e.rawMessage,
  created_at: iso(e.createdAt),
});
const eventSchema = obj({
  id: int,
  event_type: { ...str, description: '`target_<n>_hit`, `target_hit`, `target_final_hit`, `stopped`, `cancelled`, `closed`, `partial_exit`, `stop_moved`, `target_changed`' },
  target: { type: ['integer', 'string', 'null'], description: 'The target hit or changed: its number, or `final` for a changed final target' },
  price: { ...price, description: 'The level the event sets: the new stop (`stop_moved`), the new target (`target_changed`), where a stop was hit when the post says' },
  points: { ...price, description: 'A result stated in points (futures)' },
  breakeven: { ...bool, description: 'The stop moved to (or hit at) the entry: `price` is the signal\'s buy_min' },
  percentage: price,
  channel_id: str,
  message_id: int,
  message_ts: dateTime,
  raw_message: str,
  created_at: dateTime,
});

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(100, 1000),
    channel: { type: 'string', maxLength: 200, description: 'Channel id or its registered label (the `channel` value of a row)' },
    type: { type: 'string', maxLength: 64 },
    asset: { type: 'string', maxLength: 16 },
    status: { type: 'string', maxLength: 32 },
    search: { type: 'string', maxLength: 200, description: 'Substring of the asset or the raw message, case-insensitive' },
    from: { ...timeBoundSchema, description: 'Epoch milliseconds or a date string' },
    to: { ...timeBoundSchema, description: 'Epoch milliseconds or a date string' },
    corrected: { type: 'boolean', description: 'true: only signals a trader corrected (PUT /signals/{id}), to feed the parser corpus; false: only uncorrected ones' },
    side: { enum: ['buy', 'sell'] },
  },
};

const deleteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['ingestedAt'],
  properties: {
    ingestedAt: { type: ['string', 'integer'], minLength: 1, maxLength: 64, description: 'The `ingested_at` of the row to delete' },
    id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Optional: picks one signal when several share an ingest time' },
  },
};

const channelSummarySchema = obj({ channel: str, channel_id: str, label: nullable(str), is_active: nullable(bool), signal_count: int, last_signal: nullable(dateTime) });

/** Signals with their channel's label and the source (bot or user client) of the message they came from. */
const signalRows = (db: Database) =>
  db
    .select({ signal: signals, label: telegramChannels.label, source: forwardedMessages.source })
    .from(signals)
    .leftJoin(telegramChannels, eq(telegramChannels.channelId, signals.channelId))
    .leftJoin(
      forwardedMessages,
      and(eq(forwardedMessages.channelId, signals.channelId), eq(forwardedMessages.messageId, signals.messageId), eq(forwardedMessages.messageTs, signals.ts)),
    );

const signalWithHistory: Schema = {
  allOf: [signalSchema, obj({ events: { type: 'array', items: eventSchema }, versions: { type: 'array', items: versionSchema, description: 'What each correction replaced, oldest first' } })],
};

export function signalRoutes(db: Database): RouteSpec[] {
  /** A signal with its events (message order) and correction versions; 404 when there is none. */
  const signalWithHistoryOf = async (id: number) => {
    const [row] = await signalRows(db).where(eq(signals.id, id)).limit(1);
    if (!row) throw new HttpError(404, 'not_found', `signal ${id} not found`);
    const events = await db.select().from(signalEvents).where(eq(signalEvents.signalId, row.signal.id)).orderBy(asc(signalEvents.messageTs), asc(signalEvents.messageId), asc(signalEvents.seq));
    return { ...signalJson(row.signal, row), events: events.map(eventJson), versions: await signalVersionsOf(db, id) };
  };
  return [
    {
      method: 'get',
      path: '/signals',
      summary: 'Parsed signals, newest first',
      tag: 'signals',
      query: listQuery,
      responses: { 200: json('{ data: Signal[] }', listOf(signalSchema)), 400: 'Invalid filter', 429: 'Rate limited' },
      handler: async ({ res, query }) => {
        const filters: SQL[] = [];
        if (query.channel) {
          const channel = String(query.channel);
          filters.push(or(eq(signals.channelId, channel), eq(telegramChannels.label, channel)) as SQL);
        }
        if (query.type) filters.push(ilike(signals.signalType, escapeLike(String(query.type))));
        if (query.asset) filters.push(eq(signals.asset, String(query.asset).toUpperCase()));
        if (query.status) filters.push(eq(signals.status, String(query.status)));
        if (query.search) {
          const pattern = `%${escapeLike(String(query.search))}%`;
          filters.push(or(ilike(signals.rawMessage, pattern), ilike(signals.asset, pattern)) as SQL);
        }
        if (query.corrected !== undefined) filters.push(query.corrected ? isNotNull(signals.correctedAt) : isNull(signals.correctedAt));
        if (query.side) filters.push(eq(signals.side, String(query.side)));
        filters.push(...timeRange(signals.ts, query));
        const rows = await signalRows(db)
          .where(filters.length ? and(...filters) : undefined)
          .orderBy(desc(signals.ts), desc(signals.id))
          .limit(Number(query.limit));
        res.json({ data: rows.map((r) => signalJson(r.signal, r)) });
      },
    },
    {
      method: 'delete',
      path: '/signals',
      summary: 'Delete the signal ingested at `ingestedAt` (the original dashboard delete)',
      tag: 'signals',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      body: deleteBody,
      requiredMessage: 'ingestedAt is required',
      responses: {
        200: json('{ status: "ok" }', obj({ status: { const: 'ok' }, deleted: { type: 'array', items: int } })),
        400: 'ingestedAt is required',
        401: 'Missing or wrong X-API-Key',
        404: 'No signal was ingested at that time',
        409: 'Several signals share that ingest time; pass `id` or use DELETE /signals/{id}',
      },
      handler: async ({ res, body }) => {
        const { ingestedAt, id } = body as { ingestedAt: string | number; id?: number };
        const at = parseTimeBound(ingestedAt, 'ingestedAt') as Date;
        // Rows carry microseconds, the JSON shows milliseconds: compare at the precision the client saw.
        const match = [sql`date_trunc('milliseconds', ${signals.ingestedAt}) = ${at.toISOString()}::timestamptz`, ...(id ? [eq(signals.id, id)] : [])];
        const deleted = await db.transaction(async (tx) => {
          const found = await tx.select({ id: signals.id }).from(signals).where(and(...match)).orderBy(asc(signals.id)).limit(51);
          if (!found.length) throw new HttpError(404, 'not_found', `no signal was ingested at ${at.toISOString()}`);
          if (found.length > 1) {
            // Signals stored by one batch share their ingest time; deleting all of them for one click would lose data.
            throw new HttpError(409, 'ambiguous', `${found.length} signals were ingested at ${at.toISOString()}; pass "id" too, or use DELETE /signals/{id}`, found.map((f) => ({ path: 'id', message: String(f.id) })));
          }
          const ids = found.map((f) => f.id);
          await tx.delete(signals).where(inArray(signals.id, ids));
          await tx.delete(signalEvents).where(inArray(signalEvents.signalId, ids));
          await tx.delete(signalVersions).where(inArray(signalVersions.signalId, ids));
          return ids;
        });
        res.json({ status: 'ok', deleted });
      },
    },
    // Before /signals/:id, which would take `stats` for a malformed id.
    signalStatsRoute(db),
    {
      method: 'get',
      path: '/signals/:id',
      summary: 'One signal with its lifecycle events and the versions its corrections replaced',
      tag: 'signals',
      params: idParamsSchema,
      responses: { 200: json('{ data: Signal & { events, versions } }', obj({ data: signalWithHistory })), 400: 'Malformed id', 404: 'No such signal' },
      handler: async ({ res, params }) => {
        res.json({ data: await signalWithHistoryOf(Number(params.id)) });
      },
    },
    correctionRoute(db, signalWithHistoryOf, signalWithHistory),
    {
      method: 'delete',
      path: '/signals/:id',
      summary: 'Delete a signal and its events',
      tag: 'signals',
      auth: 'apiKey',
      params: idParamsSchema,
      responses: { 200: json('Deleted', obj({ data: obj({ id: int, deleted: { const: true } }) })), 401: 'Missing or wrong X-API-Key', 404: 'No such signal' },
      handler: async ({ res, params }) => {
        const id = Number(params.id);
        const removed = await db.transaction(async (tx) => {
          const rows = await tx.delete(signals).where(eq(signals.id, id)).returning({ id: signals.id });
          if (rows.length) {
            await tx.delete(signalEvents).where(inArray(signalEvents.signalId, [id]));
            await tx.delete(signalVersions).where(inArray(signalVersions.signalId, [id]));
          }
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
      responses: { 200: json('{ data: ChannelSummary[], source, timestamp }', obj({ data: { type: 'array', items: channelSummarySchema }, source: str, timestamp: dateTime })) },
      handler: async ({ res }) => {
        const stats = await db
          .select({ channelId: signals.channelId, signalCount: sql<number>`count(*)::int`, lastSignal: sql<Date | null>`max(${signals.ts})`.mapWith(signals.ts) })
          .from(signals)
          .groupBy(signals.channelId);
        const registered = await db.select().from(telegramChannels);
        const byId = new Map(registered.map((c) => [c.channelId, c]));
        const statsById = new Map(stats.map((s) => [s.channelId, s]));
        const ids = new Set([...stats.map((s) => s.channelId), ...registered.map((c) => c.channelId)]);
        const data = [...ids].map((channelId) => {
          const s = statsById.get(channelId);
          const c = byId.get(channelId);
          return {
            channel: c?.label ?? channelId,
            channel_id: channelId,
            label: c?.label ?? null,
            is_active: c ? c.status === 'active' : null,
            signal_count: Number(s?.signalCount ?? 0),
            last_signal: iso(s?.lastSignal ?? null),
          };
        });
        data.sort((a, b) => (b.last_signal ?? '').localeCompare(a.last_signal ?? '') || a.channel.localeCompare(b.channel));
        res.json({ data, source: 'database', timestamp: new Date().toISOString() });
      },
    },
  ];
}
