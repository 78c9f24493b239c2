import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgSchema, text, timestamp, varchar } from 'drizzle-orm/pg-core';

export const workspaceSchema = pgSchema('workspace');

export const WORKSPACE_CATEGORIES = [
  'documentacao',
  'coleta-dados',
  'banco-dados',
  'analise-dados',
  'gestao-riscos',
  'dashboard',
] as const;
export const WORKSPACE_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const WORKSPACE_STATUSES = ['new', 'review', 'in-progress', 'completed', 'rejected'] as const;

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/** Workspace items; ids are text so the nanoids of migrated LowDB items are kept as they were. */
export const workspaceItems = workspaceSchema.table(
  'workspace_items',
  {
    id: varchar('id', { length: 64 }).primaryKey(),
    title: varchar('title', { length: 255 }).notNull(),
    description: text('description').notNull(),
    category: text('category').notNull(),
    priority: text('priority').notNull(),
    status: text('status').notNull().default('new'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // Categories are dynamic slugs, as in the original workspace (WORKSPACE_CATEGORIES are the built-in six).
    check('workspace_items_category_check', sql`${t.category} ~ '^[a-z0-9-]+$' and length(${t.category}) <= 100`),
    check('workspace_items_priority_check', sql`${t.priority} in (${inList(WORKSPACE_PRIORITIES)})`),
    check('workspace_items_status_check', sql`${t.status} in (${inList(WORKSPACE_STATUSES)})`),
    index('workspace_items_status_idx').on(t.status),
    index('workspace_items_category_idx').on(t.category),
    // Matches the list order (newest first, id as tiebreak) so a page is read from the index, not sorted.
    index('workspace_items_created_id_idx').on(t.createdAt.desc().nullsFirst(), t.id),
    index('workspace_items_tags_idx').using('gin', t.tags),
  ],
);
