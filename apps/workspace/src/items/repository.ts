import { randomBytes } from 'node:crypto';
import { workspaceItems, type Database } from '@tp/db-schema';
import { and, arrayContains, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';

export type ItemRow = typeof workspaceItems.$inferSelect & { version: string };

export interface ItemFilters {
  status?: string;
  category?: string;
  priority?: string;
  tag?: string;
  q?: string;
  limit: number;
  offset: number;
}

const ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';
/** A 21-character URL-safe id, the same shape as the nanoids of items migrated from LowDB. */
export function newItemId(): string {
  const bytes = randomBytes(21);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/** `updated_at` in microseconds: the item's version, used as its ETag. */
const version = sql<string>`(extract(epoch from ${workspaceItems.updatedAt}) * 1000000)::bigint::text`;
const selection = {
  id: workspaceItems.id,
  title: workspaceItems.title,
  description: workspaceItems.description,
  category: workspaceItems.category,
  priority: workspaceItems.priority,
  status: workspaceItems.status,
  tags: workspaceItems.tags,
  createdBy: workspaceItems.createdBy,
  updatedBy: workspaceItems.updatedBy,
  metadata: workspaceItems.metadata,
  createdAt: workspaceItems.createdAt,
  updatedAt: workspaceItems.updatedAt,
  version,
};

/** Each write moves `updated_at` strictly forward, so two writes never share a version. */
const nextUpdatedAt = sql`greatest(clock_timestamp(), ${workspaceItems.updatedAt} + interval '1 microsecond')`;

export type WriteResult = { ok: true; row: ItemRow } | { ok: false; reason: 'not_found' | 'version_mismatch' };

export class ItemRepository {
  constructor(private readonly db: Database) {}

  async list(filters: ItemFilters): Promise<ItemRow[]> {
    const where: SQL[] = [];
    if (filters.status) where.push(eq(workspaceItems.status, filters.status));
    if (filters.category) where.push(eq(workspaceItems.category, filters.category));
    if (filters.priority) where.push(eq(workspaceItems.priority, filters.priority));
    if (filters.tag) where.push(arrayContains(workspaceItems.tags, [filters.tag]));
    if (filters.q) {
      const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(or(ilike(workspaceItems.title, pattern), ilike(workspaceItems.description, pattern)) as SQL);
    }
    return this.db
      .select(selection)
      .from(workspaceItems)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(workspaceItems.createdAt), workspaceItems.id)
      .limit(filters.limit)
      .offset(filters.offset);
  }

  async get(id: string): Promise<ItemRow | undefined> {
    const [row] = await this.db.select(selection).from(workspaceItems).where(eq(workspaceItems.id, id)).limit(1);
    return row;
  }

  async create(values: Omit<typeof workspaceItems.$inferInsert, 'id'>): Promise<ItemRow> {
    const [row] = await this.db.insert(workspaceItems).values({ ...values, id: newItemId() }).returning(selection);
    return row;
  }

  /** Applies a partial update; with `expectedVersion`, only if nobody changed the item meanwhile. */
  async update(id: string, changes: Partial<typeof workspaceItems.$inferInsert>, expectedVersion?: string): Promise<WriteResult> {
    const [row] = await this.db
      .update(workspaceItems)
      .set({ ...changes, updatedAt: nextUpdatedAt })
      .where(and(eq(workspaceItems.id, id), expectedVersion ? sql`${version} = ${expectedVersion}` : undefined))
      .returning(selection);
    if (row) return { ok: true, row };
    return { ok: false, reason: (await this.get(id)) ? 'version_mismatch' : 'not_found' };
  }

  async delete(id: string, expectedVersion?: string): Promise<{ ok: true } | { ok: false; reason: 'not_found' | 'version_mismatch' }> {
    const rows = await this.db
      .delete(workspaceItems)
      .where(and(eq(workspaceItems.id, id), expectedVersion ? sql`${version} = ${expectedVersion}` : undefined))
      .returning({ id: workspaceItems.id });
    if (rows.length) return { ok: true };
    return { ok: false, reason: (await this.get(id)) ? 'version_mismatch' : 'not_found' };
  }

  async countByStatus(): Promise<Array<{ status: string; n: number }>> {
    const rows = await this.db.select({ status: workspaceItems.status, n: count() }).from(workspaceItems).groupBy(workspaceItems.status);
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }
}
