import { randomUUID } from 'node:crypto';
import { workspaceItems, type Database } from '@tp/db-schema';
import { and, arrayContains, count, desc, eq, ilike, max, min, or, sql, type SQL } from 'drizzle-orm';

export type ItemRow = typeof workspaceItems.$inferSelect & { version: string; neverUpdated: boolean };

export interface ItemFilters {
  status?: string;
  category?: string;
  priority?: string;
  tag?: string;
  /** Case-insensitive substring of the title, the description or any tag. */
  search?: string;
  limit: number;
  offset: number;
}

/** A UUID v4, as the original service gave new items. */
export const newItemId = (): string => randomUUID();

export interface CategoryUsage {
  name: string;
  items: number;
  firstCreatedAt: Date;
  lastUpdatedAt: Date;
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
  // A write always moves updated_at past created_at, so equality means "never updated" (LowDB's null).
  neverUpdated: sql<boolean>`${workspaceItems.updatedAt} = ${workspaceItems.createdAt}`,
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
    if (filters.search) {
      const pattern = `%${filters.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const inTags = sql`exists (select 1 from unnest(${workspaceItems.tags}) as tag where tag ilike ${pattern})`;
      where.push(or(ilike(workspaceItems.title, pattern), ilike(workspaceItems.description, pattern), inTags) as SQL);
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

  /** Inserts a new item; created_at and updated_at get the same now(), which reads as "never updated". */
  async create(values: Omit<typeof workspaceItems.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>): Promise<ItemRow> {
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

  /** Every category some item uses, with how many items use it. */
  async categoryUsage(): Promise<CategoryUsage[]> {
    const rows = await this.db
      .select({ name: workspaceItems.category, items: count(), firstCreatedAt: min(workspaceItems.createdAt), lastUpdatedAt: max(workspaceItems.updatedAt) })
      .from(workspaceItems)
      .groupBy(workspaceItems.category);
    return rows.map((r) => ({ name: r.name, items: Number(r.items), firstCreatedAt: r.firstCreatedAt as Date, lastUpdatedAt: r.lastUpdatedAt as Date }));
  }

  async countByStatus(): Promise<Array<{ status: string; n: number }>> {
    const rows = await this.db.select({ status: workspaceItems.status, n: count() }).from(workspaceItems).groupBy(workspaceItems.status);
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }
}
