import { type RouteSpec, type Schema, bool, dateTime, int, json, listOf, nullable, numSchema, obj, str } from '@tp/service-kit';
import { LEGACY_ERRORS } from '../http/errors';
import { idParamsSchema, limitSchema, parseTimeBound, timeBoundSchema } from '../http/query';
import { correctionRoute, versionSchema } from './corrections';
import { signalLevelFields } from './signal-fields';
import type { SignalFilter } from './signal-repository';
import type { SignalService } from './signal-service';


const price = nullable(numSchema);
export const signalSchema: Schema = obj({
  id: int,
  ts: int,
  // Null only on rows imported from the original system, which stored some without a channel or text.
  channel: nullable(str),
  channel_id: str,
  message_id: int,
  ...signalLevelFields(price),
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

const signalWithHistory: Schema = {
  allOf: [signalSchema, obj({ events: { type: 'array', items: eventSchema }, versions: { type: 'array', items: versionSchema, description: 'What each correction replaced, oldest first' } })],
};

const optional = (value: unknown) => (value === undefined || value === '' ? undefined : String(value));

/** The dashboard's signal routes; `stats` (`GET /signals/stats`) goes before `/signals/:id`, which would read `stats` as an id. */
export function signalRoutes(service: SignalService, stats: RouteSpec): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/signals',
      summary: 'Parsed signals, newest first',
      tag: 'signals',
      query: listQuery,
      responses: { 200: json('{ data: Signal[] }', listOf(signalSchema)), 400: 'Invalid filter', 429: 'Rate limited' },
      handler: async ({ res, query }) => {
        const filter: SignalFilter = {
          channel: optional(query.channel),
          type: optional(query.type),
          asset: optional(query.asset),
          status: optional(query.status),
          search: optional(query.search),
          corrected: query.corrected === undefined ? undefined : Boolean(query.corrected),
          side: optional(query.side),
          from: parseTimeBound(query.from, 'from'),
          to: parseTimeBound(query.to, 'to'),
          limit: Number(query.limit),
        };
        res.json({ data: await service.list(filter) });
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
        const deleted = await service.deleteIngestedAt(parseTimeBound(ingestedAt, 'ingestedAt') as Date, id);
        res.json({ status: 'ok', deleted });
      },
    },
    stats,
    {
      method: 'get',
      path: '/signals/:id',
      summary: 'One signal with its lifecycle events and the versions its corrections replaced',
      tag: 'signals',
      params: idParamsSchema,
      responses: { 200: json('{ data: Signal & { events, versions } }', obj({ data: signalWithHistory })), 400: 'Malformed id', 404: 'No such signal' },
      handler: async ({ res, params }) => {
        res.json({ data: await service.get(Number(params.id)) });
      },
    },
    correctionRoute(service, signalWithHistory),
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
        await service.delete(id);
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
        const data = await service.channels();
        res.json({ data, source: 'database', timestamp: new Date().toISOString() });
      },
    },
  ];
}
