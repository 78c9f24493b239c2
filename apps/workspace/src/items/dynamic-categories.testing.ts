import type { Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';

/**
 * The schema change dynamic categories need: the table still checks `category` against the six
 * original names. Until libs/db-schema ships it as a migration, specs apply it to their scratch
 * database; once the migration exists this is a no-op and can be deleted.
 */
export async function allowDynamicCategories(db: Database): Promise<void> {
  await db.execute(sql`alter table workspace.workspace_items drop constraint if exists workspace_items_category_check`);
  await db.execute(
    sql`alter table workspace.workspace_items add constraint workspace_items_category_check check (category ~ '^[a-z0-9-]+$' and length(category) <= 100)`,
  );
}
