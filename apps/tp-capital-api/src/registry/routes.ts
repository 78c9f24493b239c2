import { type RouteSpec, type Schema, bool, dateTime, int, json, nullable, obj, str } from '@tp/service-kit';
import { LEGACY_ERRORS } from '../http/errors';
import { BOT_TYPES, type BotChange, type BotRegistry } from './bot-registry';
import { CHANNEL_STATUSES, CHANNEL_TYPES, type ChannelRegistry, type ChannelChange } from './channel-registry';

// ---- schemas -------------------------------------------------------------------------------------

// A number is accepted as the original API did; beyond 2^53 JSON would already have changed it, so those must be strings.
const channelIdField = {
  type: ['string', 'integer'],
  pattern: '^-?[0-9]{1,20}$',
  minLength: 1,
  minimum: -Number.MAX_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Telegram chat id, e.g. "-1001649127710"',
};
const channelBodyFields: Record<string, Schema> = {
  label: { type: 'string', minLength: 1, maxLength: 120, pattern: String.raw`\S` },
  channel_id: channelIdField,
  channel_type: { type: 'string', enum: [...CHANNEL_TYPES], default: 'source' },
  description: { type: ['string', 'null'], maxLength: 500 },
  status: { type: 'string', enum: [...CHANNEL_STATUSES] },
};
// The dashboard may send a whole row back on update; its read-only fields are accepted and ignored.
const channelReadOnlyFields: Record<string, Schema> = {
  id: { type: 'string', maxLength: 64 },
  signal_count: { type: ['integer', 'null'] },
  last_signal: { type: ['string', 'null'], maxLength: 64 },
  created_at: { type: ['string', 'null'], maxLength: 64 },
  updated_at: { type: ['string', 'null'], maxLength: 64 },
};
const channelCreateBody: Schema = { type: 'object', additionalProperties: false, required: ['label', 'channel_id'], properties: channelBodyFields };
const channelUpdateBody: Schema = { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...channelBodyFields, ...channelReadOnlyFields } };
const idParams: Schema = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } };

const botBodyFields: Record<string, Schema> = {
  username: { type: 'string', pattern: '^@?[A-Za-z0-9_]{3,64}$' },
  token: { type: 'string', pattern: String.raw`^\d+:[\w-]{20,}$` },
  bot_type: { type: 'string', enum: [...BOT_TYPES] },
  description: { type: ['string', 'null'], maxLength: 500 },
  status: { type: 'string', enum: ['active', 'inactive'] },
};
const botCreateBody: Schema = { type: 'object', additionalProperties: false, required: ['username', 'token'], properties: botBodyFields };
const botUpdateBody: Schema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...botBodyFields, id: { type: 'string', maxLength: 64 }, created_at: { type: ['string', 'null'] }, updated_at: { type: ['string', 'null'] } },
};

const channelSchema = obj({
  id: str,
  label: str,
  channel_id: str,
  channel_type: { enum: [...CHANNEL_TYPES] },
  description: nullable(str),
  status: { enum: ['active', 'inactive'] },
  signal_count: int,
  last_signal: nullable(dateTime),
  created_at: dateTime,
  updated_at: dateTime,
});
const botSchema = obj({
  id: str,
  username: str,
  token: { type: 'string', pattern: String.raw`\*\*\*\*` },
  bot_type: str,
  description: nullable(str),
  status: { enum: ['active', 'inactive'] },
  is_active: bool,
  created_at: dateTime,
  updated_at: dateTime,
});
const ok = { const: 'ok' };
const success = { const: true };
const timestamp = dateTime;

// ---- routes --------------------------------------------------------------------------------------

/**
 * How one path answers the channel registry: the original dashboard's channel manager reads
 * `/telegram-channels` as `{ success, … }`, its newer pages read `/telegram/channels` as `{ status: 'ok', id }`.
 */
interface ChannelDialect {
  path: string;
  summaries: { list: string; create: string; update: string; remove: string };
  listed: (data: unknown[]) => { body: object; schema: Schema; description: string };
  created: (channel: { id: string }) => { body: object; schema: Schema; description: string };
  updated: (id: string, channel: unknown) => { body: object; schema: Schema; description: string };
  removed: (id: string) => { body: object; schema: Schema; description: string };
}

const LEGACY_CHANNELS: ChannelDialect = {
  path: '/telegram-channels',
  summaries: {
    list: 'Registered channels with signal counts, newest update first (deleted ones excluded)',
    create: 'Register a source channel; the gateway picks it up on its next poll or on POST /reload-channels',
    update: "Change a channel (partial); status 'inactive' pauses it, 'deleted' removes it",
    remove: 'Remove a channel from the registry (its signals stay)',
  },
  listed: (data) => ({ body: { data }, schema: obj({ data: { type: 'array', items: channelSchema } }), description: '{ data: Channel[] }' }),
  created: (channel) => ({ body: { success: true, channel }, schema: obj({ success, channel: channelSchema }), description: '{ success: true, channel }' }),
  updated: (_id, channel) => ({ body: { success: true, channel }, schema: obj({ success, channel: nullable({ type: 'object' }) }), description: '{ success: true }' }),
  removed: () => ({ body: { success: true }, schema: obj({ success }), description: '{ success: true }' }),
};

const CHANNELS: ChannelDialect = {
  path: '/telegram/channels',
  summaries: { list: 'List registered channels', create: 'Register a source channel', update: 'Change a channel (partial)', remove: 'Remove a channel from the registry' },
  listed: (data) => ({
    body: { data, timestamp: new Date().toISOString() },
    schema: obj({ data: { type: 'array', items: channelSchema }, timestamp }),
    description: '{ data: Channel[], timestamp }',
  }),
  created: (channel) => ({ body: { status: 'ok', id: channel.id, data: channel }, schema: obj({ status: ok, id: str, data: channelSchema }), description: '{ status: "ok", id, data }' }),
  updated: (id, channel) => ({ body: { status: 'ok', id, data: channel }, schema: obj({ status: ok, id: str, data: nullable({ type: 'object' }) }), description: '{ status: "ok", id, data }' }),
  removed: (id) => ({ body: { status: 'ok', id }, schema: obj({ status: ok, id: str }), description: '{ status: "ok", id }' }),
};

/** The channel registry's CRUD on one path, answered in that path's dialect. */
function channelRoutes(registry: ChannelRegistry, dialect: ChannelDialect): RouteSpec[] {
  const doc = (shape: { schema: Schema; description: string }) => json(shape.description, shape.schema);
  const sample = { id: '' };
  const common = { tag: 'telegram', errorStyle: LEGACY_ERRORS } as const;
  return [
    {
      ...common,
      method: 'get',
      path: dialect.path,
      summary: dialect.summaries.list,
      responses: { 200: doc(dialect.listed([])) },
      handler: async ({ res }) => {
        res.json(dialect.listed(await registry.list()).body);
      },
    },
    {
      ...common,
      method: 'post',
      path: dialect.path,
      summary: dialect.summaries.create,
      auth: 'apiKey',
      body: channelCreateBody,
      requiredMessage: 'label and channel_id are required',
      responses: {
        201: doc(dialect.created(sample)),
        400: 'label and channel_id are required (or another invalid field)',
        401: 'Missing or wrong X-API-Key',
        409: 'channel_id already registered',
      },
      handler: async ({ res, body }) => {
        const channel = await registry.create(body as Parameters<ChannelRegistry['create']>[0]);
        res.status(201).json(dialect.created(channel).body);
      },
    },
    {
      ...common,
      method: 'put',
      path: `${dialect.path}/:id`,
      summary: dialect.summaries.update,
      auth: 'apiKey',
      params: idParams,
      body: channelUpdateBody,
      responses: {
        200: doc(dialect.updated('', null)),
        400: 'Invalid field',
        401: 'Missing or wrong X-API-Key',
        404: 'No such channel',
        409: 'channel_id already registered',
      },
      handler: async ({ res, params, body }) => {
        const channel = await registry.update(String(params.id), body as ChannelChange);
        res.json(dialect.updated(String(params.id), channel).body);
      },
    },
    {
      ...common,
      method: 'delete',
      path: `${dialect.path}/:id`,
      summary: dialect.summaries.remove,
      auth: 'apiKey',
      params: idParams,
      responses: { 200: doc(dialect.removed('')), 401: 'Missing or wrong X-API-Key', 404: 'No such channel' },
      handler: async ({ res, params }) => {
        await registry.remove(String(params.id));
        res.json(dialect.removed(String(params.id)).body);
      },
    },
  ];
}

/** `/telegram/bots`: the bot registry with the dashboard's snake_case bodies; tokens leave only masked. */
function botRoutes(bots: BotRegistry): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/telegram/bots',
      summary: 'List registered bots (tokens masked)',
      tag: 'telegram',
      errorStyle: LEGACY_ERRORS,
      responses: { 200: json('{ data: Bot[], timestamp }', obj({ data: { type: 'array', items: botSchema }, timestamp })) },
      handler: async ({ res }) => {
        res.json({ data: await bots.list(), timestamp: new Date().toISOString() });
      },
    },
    {
      method: 'post',
      path: '/telegram/bots',
      summary: 'Register a bot',
      tag: 'telegram',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      body: botCreateBody,
      requiredMessage: 'username and token are required',
      responses: {
        201: json('{ status: "ok", id, data }', obj({ status: ok, id: str, data: botSchema })),
        400: 'username and token are required (or another invalid field)',
        401: 'Missing or wrong X-API-Key',
        409: 'username already registered',
      },
      handler: async ({ res, body }) => {
        const bot = await bots.create(body as BotChange & { username: string; token: string });
        res.status(201).json({ status: 'ok', id: bot.id, data: bot });
      },
    },
    {
      method: 'put',
      path: '/telegram/bots/:id',
      summary: 'Change a bot (partial)',
      tag: 'telegram',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      params: idParams,
      body: botUpdateBody,
      responses: {
        200: json('{ status: "ok", id, data }', obj({ status: ok, id: str, data: botSchema })),
        400: 'Invalid field',
        401: 'Missing or wrong X-API-Key',
        404: 'No such bot',
        409: 'username already registered',
      },
      handler: async ({ res, params, body }) => {
        const id = String(params.id);
        res.json({ status: 'ok', id, data: await bots.update(id, body as BotChange) });
      },
    },
    {
      method: 'delete',
      path: '/telegram/bots/:id',
      summary: 'Remove a bot',
      tag: 'telegram',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      params: idParams,
      responses: { 200: json('{ status: "ok", id }', obj({ status: ok, id: str })), 401: 'Missing or wrong X-API-Key', 404: 'No such bot' },
      handler: async ({ res, params }) => {
        const id = String(params.id);
        await bots.remove(id);
        res.json({ status: 'ok', id });
      },
    },
    {
      method: 'get',
      path: '/bots',
      summary: 'The ingestion bot as the original dashboard shows it: one object',
      tag: 'telegram',
      responses: {
        200: json(
          '{ data: { configured, mode, webhook, status, timestamp } }',
          obj({
            data: obj({
              configured: bool,
              mode: { enum: ['polling', 'webhook'] },
              webhook: { oneOf: [{ type: 'null' }, obj({ url: nullable(str), hasSecretToken: bool })] },
              status: str,
              timestamp: dateTime,
              bots: { type: 'array', items: botSchema },
            }),
          }),
        ),
      },
      handler: async ({ res }) => {
        const rows = await bots.activeIngestionBots();
        // The gateway runs the bot with long polling and keeps its token; the API knows only the registry.
        res.json({
          data: {
            configured: rows.length > 0,
            mode: 'polling',
            webhook: null,
            status: rows.length > 0 ? 'registered' : 'not_configured',
            timestamp: new Date().toISOString(),
            bots: rows,
          },
        });
      },
    },
  ];
}

/** The registry of Telegram channels and bots the dashboard manages, on every path its pages use. */
export function registryRoutes(channels: ChannelRegistry, bots: BotRegistry): RouteSpec[] {
  return [...channelRoutes(channels, LEGACY_CHANNELS), ...channelRoutes(channels, CHANNELS), ...botRoutes(bots)];
}
