import { copyFile, readFile, rename } from 'node:fs/promises';
import { queryRows, workspaceItems, type Database } from '@tp/db-schema';
import { count, inArray, sql } from 'drizzle-orm';
import { validateLowDbItem, type FieldError } from '../items/validation';

export interface LowDbItem {
  id: string;
  title: string;
  description: string;
  category: string;
  priority: string;
  status: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
}

export interface MigrationSummary {
  file: string;
  dryRun: boolean;
  read: number;
  valid: number;
  inserted: number;
  alreadyPresent: number;
  invalid: Array<{ index: number; id?: unknown; errors: FieldError[] }>;
  backupFile?: string;
  migratedFile?: string;
}

export class MigrationError extends Error {}

const CHUNK = 1_000;

/** Reads and checks the LowDB file; never changes it. */
export async function readLowDbFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MigrationError(code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MigrationError(`${file} is not valid JSON (${(error as Error).message}); nothing was migrated`);
  }
  const items = (parsed as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new MigrationError(`${file} has no "items" array; expected { "items": [ ... ] }`);
  return items;
}

/**
 * Copies the valid items of a LowDB `library.json` into workspace.workspace_items in one
 * transaction, keeping their ids; a rerun inserts nothing new. The commit is verified by
 * counting the ids back; only then is the file backed up and renamed.
 */
export async function migrateLowDb(
  db: Database,
  options: { file: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<MigrationSummary> {
  const raw = await readLowDbFile(options.file);
  const summary: MigrationSummary = { file: options.file, dryRun: Boolean(options.dryRun), read: raw.length, valid: 0, inserted: 0, alreadyPresent: 0, invalid: [] };

  const valid: LowDbItem[] = [];
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const errors = validateLowDbItem(item);
    const id = (item as { id?: unknown })?.id;
    if (!errors.length && seen.has(id as string)) errors.push({ field: 'id', message: 'appears more than once in the file' });
    if (errors.length) summary.invalid.push({ index, id, errors });
    else {
      seen.add(id as string);
      valid.push(item as LowDbItem);
    }
  });
  summary.valid = valid.length;
  const ids = valid.map((i) => i.id);

  if (options.dryRun) {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const [{ n }] = await db.select({ n: count() }).from(workspaceItems).where(inArray(workspaceItems.id, ids.slice(i, i + CHUNK)));
      summary.alreadyPresent += Number(n);
    }
    summary.inserted = 0;
    return summary;
  }

  await db.transaction(async (tx) => {
    const [{ before }] = await queryRows<{ before: number }>(tx, sql`select count(*)::int as before from ${workspaceItems}`);
    for (let i = 0; i < valid.length; i += CHUNK) {
      const chunk = valid.slice(i, i + CHUNK);
      const inserted = await tx
        .insert(workspaceItems)
        .values(
          chunk.map((item) => ({
            id: item.id,
            title: item.title,
            description: item.description,
            category: item.category,
            priority: item.priority,
            status: item.status,
            tags: item.tags ?? [],
            metadata: item.metadata ?? {},
            createdBy: item.createdBy ?? null,
            createdAt: new Date(item.createdAt),
            updatedAt: new Date(item.updatedAt),
          })),
        )
        .onConflictDoNothing({ target: workspaceItems.id })
        .returning({ id: workspaceItems.id });
      summary.inserted += inserted.length;
      options.onProgress?.(Math.min(i + CHUNK, valid.length), valid.length);
    }
    summary.alreadyPresent = valid.length - summary.inserted;

    // Verify before committing: the table grew by exactly what was inserted, and every valid id is there.
    const [{ after }] = await queryRows<{ after: number }>(tx, sql`select count(*)::int as after from ${workspaceItems}`);
    let present = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const [{ n }] = await tx.select({ n: count() }).from(workspaceItems).where(inArray(workspaceItems.id, ids.slice(i, i + CHUNK)));
      present += Number(n);
    }
    if (after !== before + summary.inserted || present !== valid.length) {
      throw new MigrationError(
        `verification failed: ${before} rows before + ${summary.inserted} inserted ≠ ${after} after, or ${present}/${valid.length} valid ids present; rolled back`,
      );
    }
    // One snapshot for the whole migration, so the counts are not disturbed by the live service's writes.
  }, { isolationLevel: 'repeatable read' });

  summary.backupFile = `${options.file}.backup`;
  summary.migratedFile = `${options.file}.migrated`;
  await copyFile(options.file, summary.backupFile);
  await rename(options.file, summary.migratedFile);
  return summary;
}
