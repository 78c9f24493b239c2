import { isUniqueViolation, telegramBots, telegramChannels, type Database } from '@tp/db-schema';
import { asc, eq } from 'drizzle-orm';
import { HttpError } from '../http/errors';
import { iso, uuidParamsSchema } from '../http/query';
import type { RouteSpec, Schema } from '../http/route';

/** Bot tokens are stored as given but only ever leave the API masked. */
export function maskToken(token: string): string {
  return token.length <= 10 ? '****' : `${token.slice(0, 4)}****${token.slice(-4)}`;
}

const channelJson = (c: typeof telegramChannels.$inferSelect) => ({
  id: c.id,
  channel_id: c.channelId,
  label: c.label,
  description: c.description,
  is_active: c.isActive,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});

const botJson = (b: typeof telegramBots.$inferSelect) => ({
  id: b.id,
  username: b.username,
  token: maskToken(b.token),
  bot_type: b.botType,
  description: b.description,
  is_active: b.isActive,
  created_at: iso(b.createdAt),
  updated_at: iso(b.updatedAt),
});

const channelFields = {
  channelId: { type: 'string', pattern: '^-?[0-9]{1,20}$' },
  label: { type: 'string', minLength: 1, maxLength: 120 },
  description: { type: ['string', 'null'], maxLength: 500 },
  isActive: { type: 'boolean' },
};
const botFields = {
  username: { type: 'string', pattern: '^@?[A-Za-z0-9_]{3,64}$' },
  token: { type: 'string', pattern: String.raw`^\d+:[\w-]{20,}$` },
  botType: { type: 'string', enum: ['ingestion', 'forwarder', 'sender'] },
  description: { type: ['string', 'null'], maxLength: 500 },
  isActive: { type: 'boolean' },
};
const create = (fields: Schema, required: string[]): Schema => ({ type: 'object', additionalProperties: false, required, properties: fields });
const patch = (fields: Schema): Schema => ({ type: 'object', additionalProperties: false, minProperties: 1, properties: fields });

/** CRUD for one Telegram registry table; the two tables differ only in their fields and JSON shape. */
function crudRoutes<T extends typeof telegramChannels | typeof telegramBots>(options: {
  db: Database;
  table: T;
  path: string;
  noun: string;
  fields: Schema;
  required: string[];
  toJson: (row: T['$inferSelect']) => unknown;
  uniqueField: string;
}): RouteSpec[] {
  const { db, path, noun, toJson } = options;
  // Both tables share id/createdAt/updatedAt; Drizzle's generics cannot see that through a union.
  const table = options.table as unknown as typeof telegramChannels;
  const conflict = (error: unknown) => {
    if (isUniqueViolation(error)) throw new HttpError(409, 'conflict', `a ${noun} with this ${options.uniqueField} already exists`);
    throw error;
  };
  return [
    {
      method: 'get',
      path,
      summary: `List ${noun}s`,
      tag: 'telegram',
      responses: { 200: `{ data: ${noun}[] }` },
      handler: async ({ res }) => {
        const rows = await db.select().from(table).orderBy(asc(table.createdAt));
        res.json({ data: (rows as T['$inferSelect'][]).map(toJson) });
      },
    },
    {
      method: 'post',
      path,
      summary: `Create a ${noun}`,
      tag: 'telegram',
      auth: 'apiKey',
      body: create(options.fields, options.required),
      responses: { 201: 'Created', 400: 'Invalid body', 401: 'Missing or wrong X-API-Key', 409: 'Already exists' },
      handler: async ({ res, body }) => {
        const [row] = await db
          .insert(table)
          .values(body as never)
          .returning()
          .catch(conflict);
        res.status(201).json({ data: toJson(row as T['$inferSelect']) });
      },
    },
    {
      method: 'put',
      path: `${path}/:id`,
      summary: `Update a ${noun}`,
      tag: 'telegram',
      auth: 'apiKey',
      params: uuidParamsSchema,
      body: patch(options.fields),
      responses: { 200: 'Updated', 400: 'Invalid body', 401: 'Missing or wrong X-API-Key', 404: 'Not found' },
      handler: async ({ res, params, body }) => {
        const [row] = await db
          .update(table)
          .set({ ...(body as object), updatedAt: new Date() })
          .where(eq(table.id, String(params.id)))
          .returning()
          .catch(conflict);
        if (!row) throw new HttpError(404, 'not_found', `${noun} ${params.id} not found`);
        res.json({ data: toJson(row as T['$inferSelect']) });
      },
    },
    {
      method: 'delete',
      path: `${path}/:id`,
      summary: `Delete a ${noun}`,
      tag: 'telegram',
      auth: 'apiKey',
      params: uuidParamsSchema,
      responses: { 200: 'Deleted', 401: 'Missing or wrong X-API-Key', 404: 'Not found' },
      handler: async ({ res, params }) => {
        const rows = await db.delete(table).where(eq(table.id, String(params.id))).returning({ id: table.id });
        if (!rows.length) throw new HttpError(404, 'not_found', `${noun} ${params.id} not found`);
        res.json({ data: { id: params.id, deleted: true } });
      },
    },
  ];
}

export function telegramRoutes(db: Database): RouteSpec[] {
  const bots = crudRoutes({ db, table: telegramBots, path: '/telegram/bots', noun: 'bot', fields: botFields, required: ['username', 'token'], toJson: botJson, uniqueField: 'username' });
  return [
    ...crudRoutes({ db, table: telegramChannels, path: '/telegram/channels', noun: 'channel', fields: channelFields, required: ['channelId', 'label'], toJson: channelJson, uniqueField: 'channelId' }),
    ...bots,
    // The dashboard's original read path for bots.
    { ...bots[0], path: '/bots', summary: 'List bots (tokens masked)' },
  ];
}
