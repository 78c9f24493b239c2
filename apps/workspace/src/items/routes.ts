import { HttpError, json, obj, str, type RouteSpec } from '@tp/service-kit';
import type { Request } from 'express';
import type { ItemFilters, ItemRepository, ItemRow } from './repository';
import { createItemSchema, listQuerySchema, listResponse, updateItemSchema } from './validation';

/** The item as the original (LowDB) API returned it: camelCase, ISO dates, `updatedAt: null` until its first update. */
export function itemJson(row: ItemRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    category: row.category,
    priority: row.priority,
    status: row.status,
    tags: row.tags,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.neverUpdated ? null : row.updatedAt.toISOString(),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    metadata: row.metadata,
  };
}

const etag = (row: ItemRow) => `"${row.version}"`;

/** `If-Match` → the version it names; `*` or absent → no precondition. Weak tags never match. */
function expectedVersion(req: Request): string | undefined {
  const header = req.get('If-Match');
  if (!header || header.trim() === '*') return undefined;
  const match = header.trim().match(/^"(\d+)"$/);
  // A tag we never issued can only be stale.
  return match ? match[1] : '-1';
}

const notFound = (id: unknown) => new HttpError(404, 'not_found', `Item with id ${String(id)} not found`);
const preconditionFailed = (id: unknown) => new HttpError(412, 'precondition_failed', `Item with id ${String(id)} was modified by someone else; fetch it again and retry`);

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
const itemSchema = obj({ id: str, title: str, description: str, category: str, priority: str, status: str, tags: { type: 'array', items: str } });
const itemBody = (message?: string) => obj({ success: { const: true }, ...(message ? { message: str } : {}), data: itemSchema });

type ListQuery = Omit<ItemFilters, 'search'> & { search?: string; q?: string };
type CreateBody = { title: string; description: string; category: string; priority: string; tags?: string[]; metadata?: object; createdBy?: string | null };

/** The items API under `prefix` (the app mounts it at `/api/items` and at `/items`). */
export function itemRoutes(items: ItemRepository, prefix: string): RouteSpec[] {
  const tag = 'items';
  return [
    {
      method: 'get',
      path: prefix,
      summary: 'List items, newest first',
      tag,
      query: listQuerySchema,
      responses: { 200: listResponse('The items', itemSchema), 400: 'Invalid filter' },
      handler: async ({ res, query }) => {
        const { q, search, ...filters } = query as ListQuery;
        const rows = await items.list({ ...filters, search: search || q || undefined });
        res.json({ success: true, count: rows.length, data: rows.map(itemJson) });
      },
    },
    {
      method: 'get',
      path: `${prefix}/:id`,
      summary: 'One item, with its version as ETag',
      tag,
      params: idParams,
      responses: { 200: json('The item', itemBody()), 404: 'No such item' },
      handler: async ({ res, params }) => {
        const row = await items.get(String(params.id));
        if (!row) throw notFound(params.id);
        res.set('ETag', etag(row)).json({ success: true, data: itemJson(row) });
      },
    },
    {
      method: 'post',
      path: prefix,
      summary: 'Create an item (status starts at new; fields create does not take are ignored)',
      tag,
      body: createItemSchema,
      dropUnknownBodyFields: true,
      responses: { 201: json('Created', itemBody('created')), 400: 'Invalid item', 401: 'Missing or wrong X-API-Key (when WORKSPACE_API_KEY is set)' },
      handler: async ({ res, body }) => {
        const item = body as CreateBody;
        const createdBy = item.createdBy ?? null;
        const row = await items.create({ ...item, title: item.title.trim(), description: item.description.trim(), status: 'new', createdBy, updatedBy: createdBy });
        res.status(201).set('ETag', etag(row)).location(`${prefix}/${row.id}`).json({ success: true, message: 'Item created successfully', data: itemJson(row) });
      },
    },
    {
      method: 'put',
      path: `${prefix}/:id`,
      summary: 'Change an item (partial; If-Match for optimistic concurrency)',
      tag,
      params: idParams,
      body: updateItemSchema,
      responses: { 200: json('Updated', itemBody('updated')), 400: 'Invalid change', 401: 'Missing or wrong X-API-Key', 404: 'No such item', 412: 'If-Match names an older version' },
      handler: async ({ req, res, params, body }) => {
        const id = String(params.id);
        const changes = { ...(body as { title?: string; description?: string }) };
        if (changes.title) changes.title = changes.title.trim();
        if (changes.description) changes.description = changes.description.trim();
        const result = await items.update(id, changes, expectedVersion(req));
        if (!result.ok) throw result.reason === 'not_found' ? notFound(id) : preconditionFailed(id);
        res.set('ETag', etag(result.row)).json({ success: true, message: 'Item updated successfully', data: itemJson(result.row) });
      },
    },
    {
      method: 'delete',
      path: `${prefix}/:id`,
      summary: 'Delete an item (If-Match for optimistic concurrency)',
      tag,
      params: idParams,
      responses: { 200: json('Deleted', obj({ success: { const: true }, message: str })), 401: 'Missing or wrong X-API-Key', 404: 'No such item', 412: 'If-Match names an older version' },
      handler: async ({ req, res, params }) => {
        const id = String(params.id);
        const result = await items.delete(id, expectedVersion(req));
        if (!result.ok) throw result.reason === 'not_found' ? notFound(id) : preconditionFailed(id);
        res.json({ success: true, message: 'Item deleted successfully' });
      },
    },
  ];
}
