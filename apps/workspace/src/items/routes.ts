import { Router, type Request, type Response } from 'express';
import { ClientError } from '../http/errors';
import type { ItemFilters, ItemRepository, ItemRow } from './repository';
import { validateCreate, validateListQuery, validateUpdate } from './validation';

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

function notFound(res: Response, id: string) {
  res.status(404).json({ success: false, message: `Item with id ${id} not found` });
}

function preconditionFailed(res: Response, id: string) {
  res.status(412).json({ success: false, message: `Item with id ${id} was modified by someone else; fetch it again and retry` });
}

type ListQuery = Omit<ItemFilters, 'search'> & { search?: string; q?: string };

/** The items API, mounted by the app at `/api/items` and at `/items`. */
export function itemRoutes(items: ItemRepository): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query: Record<string, unknown> = { ...(req.query as object) };
    const errors = validateListQuery(query);
    if (errors.length) throw new ClientError(400, errors);
    const { q, search, ...filters } = query as ListQuery;
    const rows = await items.list({ ...filters, search: search || q || undefined });
    res.json({ success: true, count: rows.length, data: rows.map(itemJson) });
  });

  router.get('/:id', async (req, res) => {
    const row = await items.get(req.params.id);
    if (!row) return notFound(res, req.params.id);
    res.set('ETag', etag(row)).json({ success: true, data: itemJson(row) });
  });

  router.post('/', async (req, res) => {
    const errors = validateCreate(req.body);
    if (errors.length) throw new ClientError(400, errors);
    const body = req.body as { title: string; description: string; category: string; priority: string; tags?: string[]; metadata?: object; createdBy?: string | null };
    const createdBy = body.createdBy ?? null;
    const row = await items.create({ ...body, title: body.title.trim(), description: body.description.trim(), status: 'new', createdBy, updatedBy: createdBy });
    res.status(201).set('ETag', etag(row)).location(`${req.baseUrl}/${row.id}`).json({ success: true, message: 'Item created successfully', data: itemJson(row) });
  });

  router.put('/:id', async (req, res) => {
    const errors = validateUpdate(req.body);
    if (errors.length) throw new ClientError(400, errors);
    const changes = { ...(req.body as { title?: string; description?: string }) };
    if (changes.title) changes.title = changes.title.trim();
    if (changes.description) changes.description = changes.description.trim();
    const result = await items.update(req.params.id, changes, expectedVersion(req));
    if (!result.ok) return result.reason === 'not_found' ? notFound(res, req.params.id) : preconditionFailed(res, req.params.id);
    res.set('ETag', etag(result.row)).json({ success: true, message: 'Item updated successfully', data: itemJson(result.row) });
  });

  router.delete('/:id', async (req, res) => {
    const result = await items.delete(req.params.id, expectedVersion(req));
    if (!result.ok) return result.reason === 'not_found' ? notFound(res, req.params.id) : preconditionFailed(res, req.params.id);
    res.json({ success: true, message: 'Item deleted successfully' });
  });

  return router;
}
