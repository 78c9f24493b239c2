import { forwardedMessages, signals, telegramBots, telegramChannels, type Database } from '@tp/db-schema';
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { countRows, readPages, type Layout, type SourceTable } from './source-layouts';
import { jsonWithoutNul, RowProblems, stripNul, storedInstant, storedInteger, storedPrice, syntheticMessageId, withoutNul } from './stored-values';
import { digestBotToken } from '../registry/bot-token';

type Row = Record<string, string | null>;

/** What happened to one source table: every row read is imported, already there, collapsed or skipped. */
export interface TableReconciliation {
  /** Where the original system had the table (`tp_capital.tp_capital_signals`). */
  table: string;
  /** Where it was read (in place: `tp_capital_legacy.…`). */
  readFrom: string;
  layout: Layout;
  into: string | null;
  note?: string;
  read: number;
  /** Written by this run (in a dry run: would be written, unless an earlier run did). */
  imported: number;
  /** Present from an earlier run, so not written again. */
  already: number;
  collapsed: number;
  skipped: number;
  /** Why rows were collapsed or skipped, with counts. */
  reasons: Record<string, number>;
  /** Each collapsed or skipped row, and each row imported with a value that could not be stored as it was. */
  rows: Array<{ row: string; outcome: 'collapsed' | 'skipped' | 'adjusted'; why: string }>;
}

export interface ImportOptions {
  source: Database;
  /** The migrated target; undefined in a dry run that may not touch it. */
  target?: Database;
  tables: SourceTable[];
  dryRun: boolean;
  batchSize?: number;
  onProgress?: (table: string, done: number, total: number) => void;
}

const TARGET: Record<SourceTable['kind'], string | null> = {
  channels: 'tp_capital.telegram_channels',
  bots: 'tp_capital.telegram_bots',
  signals: 'tp_capital.tp_capital_signals',
  forwarded: 'tp_capital.forwarded_messages',
  unread: null,
};

const at = (iso: string): SQL => sql`${iso}::timestamptz`;
const rowRef = (table: SourceTable, row: Row) => `${table.logical}#${row.id ?? createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16)}`;

/** A row ready to insert, or why it is not imported. */
type Prepared<V> = { ref: string; values: V; key: string; problems: string[] } | { ref: string; skip: string } | { ref: string; collapse: string; into: string };

class Reconciler {
  readonly report: TableReconciliation;
  constructor(table: SourceTable) {
    this.report = { table: table.logical, readFrom: `${table.schema}.${table.name}`, layout: table.layout, into: TARGET[table.kind], ...(table.note ? { note: table.note } : {}), read: 0, imported: 0, already: 0, collapsed: 0, skipped: 0, reasons: {}, rows: [] };
  }
  private reason(why: string) {
    this.report.reasons[why] = (this.report.reasons[why] ?? 0) + 1;
  }
  skip(row: string, why: string) {
    this.report.skipped++;
    this.reason(why);
    this.report.rows.push({ row, outcome: 'skipped', why });
  }
  collapse(row: string, why: string, into: string) {
    this.report.collapsed++;
    this.reason(why);
    this.report.rows.push({ row, outcome: 'collapsed', why: `${why}: same as ${into}` });
  }
  adjusted(row: string, problems: string[]) {
    for (const why of problems) this.report.rows.push({ row, outcome: 'adjusted', why });
  }
}

/** Runs `prepare` over `rows`, collapsing rows with a key seen before, then `write`s the rest in one transaction. */
async function importBatch<V>(
  options: ImportOptions,
  rec: Reconciler,
  prepared: Array<Prepared<V>>,
  seen: Map<string, string>,
  write: (tx: Database, values: V[]) => Promise<number>,
): Promise<void> {
  const values: V[] = [];
  for (const p of prepared) {
    rec.report.read++;
    if ('skip' in p) rec.skip(p.ref, p.skip);
    else if ('collapse' in p) rec.collapse(p.ref, p.collapse, p.into);
    else if (seen.has(p.key)) rec.collapse(p.ref, 'duplicate of an earlier row in every value the dashboard shows', seen.get(p.key) as string);
    else {
      seen.set(p.key, p.ref);
      rec.adjusted(p.ref, p.problems);
      values.push(p.values);
    }
  }
  if (!values.length) return;
  if (options.dryRun || !options.target) {
    rec.report.imported += values.length;
    return;
  }
  // One transaction per batch: a failure leaves nothing of the batch written, and a rerun resumes.
  const written = await options.target.transaction((tx) => write(tx, values));
  rec.report.imported += written;
  rec.report.already += values.length - written;
}

async function eachPage(options: ImportOptions, table: SourceTable, handle: (rows: Row[]) => Promise<void>): Promise<void> {
  const total = await countRows(options.source, table);
  let done = 0;
  await readPages(options.source, table, options.batchSize ?? 500, async (rows) => {
    await handle(rows);
    done += rows.length;
    options.onProgress?.(table.logical, done, total);
  });
}

// ---- signals -------------------------------------------------------------------------------------

const PRICES = ['buy_min', 'buy_max', 'target_1', 'target_2', 'target_final', 'stop'] as const;
const COLUMN_OF = { buy_min: 'buyMin', buy_max: 'buyMax', target_1: 'target1', target_2: 'target2', target_final: 'targetFinal', stop: 'stop' } as const;

function prepareSignal(table: SourceTable, row: Row): Prepared<typeof signals.$inferInsert> {
  const ref = rowRef(table, row);
  // HistoricalSyncWorker's bookkeeping (ORIGINAL-SYSTEM.md §2.5): one per restart, never a signal.
  if (row.asset === '__checkpoint__') return { ref, skip: 'checkpoint row of the historical sync worker (not a signal; the original API hid it)' };
  const problems = new RowProblems();
  const kept: Record<string, unknown> = {};
  const text = (column: string, fallback = ''): string => {
    const value = row[column];
    if (value === null || value === undefined) {
      if (table.columns.has(column)) kept[column] = null;
      return fallback;
    }
    return withoutNul(value, column, problems);
  };
  const ingestedAt = (table.ingestedAtColumn ? row[table.ingestedAtColumn] : row.ingested_at) ?? row.created_at ?? row.ingested_at;
  let ts = storedInstant(row.ts, 'ts', problems);
  if (!ts) {
    kept.ts = row.ts ?? null;
    if (!ingestedAt) return { ref, skip: 'neither ts nor ingested_at: no instant to show it at' };
    if (row.ts === null || row.ts === undefined) problems.add('ts NULL: shown at its ingested_at');
    ts = ingestedAt;
  }
  const prices: Record<string, string | null> = {};
  for (const column of PRICES) {
    const price = storedPrice(row[column], column, problems);
    prices[COLUMN_OF[column]] = price.value;
    if (price.kept !== undefined) kept[column] = price.kept;
  }
  const channel = text('channel');
  const rawMessage = text('raw_message');
  const asset = text('asset');
  const signalType = row.signal_type === null || row.signal_type === undefined ? null : withoutNul(row.signal_type, 'signal_type', problems);
  const source = row.source === null || row.source === undefined ? null : withoutNul(row.source, 'source', problems);
  const ingested = ingestedAt ?? ts;
  if (!ingestedAt) problems.add('ingested_at NULL: set to ts');
  const values = {
    ts: at(ts),
    channelId: channel,
    messageId: syntheticMessageId(ref),
    asset,
    signalType,
    ...prices,
    rawMessage,
    // The original's parser (0): its values are kept as stored; today's parser never rewrites them.
    parserVersion: 0,
    source,
    legacyRef: ref,
    legacyValues: Object.keys(kept).length ? kept : null,
    ingestedAt: at(ingested),
    updatedAt: at(row.updated_at ?? ingested),
  } as unknown as typeof signals.$inferInsert;
  // The dashboard's view of a row: two rows equal in all of it are one row shown twice.
  const key = JSON.stringify([channel, new Date(ts).getTime(), asset, signalType, ...PRICES.map((c) => (row[c] === null || row[c] === undefined ? null : Number(row[c]))), rawMessage, source, ingested]);
  return { ref, values, key, problems: problems.list };
}

async function importSignals(options: ImportOptions, table: SourceTable, seen: Map<string, string>): Promise<TableReconciliation> {
  const rec = new Reconciler(table);
  await eachPage(options, table, (rows) =>
    importBatch(options, rec, rows.map((r) => prepareSignal(table, r)), seen, async (tx, values) => {
      const inserted = await tx.insert(signals).values(values).onConflictDoNothing().returning({ id: signals.id });
      return inserted.length;
    }),
  );
  return rec.report;
}

// ---- forwarded messages --------------------------------------------------------------------------

function photosOf(text: string | null, problems: RowProblems, kept: Record<string, unknown>): unknown {
  if (text === null) return null;
  try {
    return jsonWithoutNul(JSON.parse(text), 'photos', problems);
  } catch {
    problems.add('photos is not JSON: stored NULL, original text kept');
    kept.photos = stripNul(text);
    return null;
  }
}

function prepareForwarded(table: SourceTable, row: Row): Prepared<typeof forwardedMessages.$inferInsert> {
  const ref = rowRef(table, row);
  const problems = new RowProblems();
  const kept: Record<string, unknown> = {};
  const forwarder = table.layout === 'forwarded (i) forwarder';
  const channelId = forwarder ? row.source_channel_id : row.channel_id;
  const messageId = storedInteger(row.message_id);
  const messageTs = storedInstant(forwarder ? row.ts : row.original_timestamp, forwarder ? 'ts' : 'original_timestamp', problems);
  if (!channelId || messageId === undefined || !messageTs) return { ref, skip: 'no channel, message id or time that identifies a Telegram message' };
  if (row.message_text === null) kept.message_text = null;
  let photos: unknown = null;
  if (forwarder) {
    // The forwarder saved the largest size as a file served at /telegram-images; its path stays as stored.
    if (row.image_url) photos = [{ url: withoutNul(row.image_url, 'image_url', problems), width: storedInteger(row.image_width) ?? null, height: storedInteger(row.image_height) ?? null }];
    kept.destination_channel_id = row.destination_channel_id;
    kept.forward_method = row.forward_method;
  } else {
    photos = photosOf(row.photos, problems, kept);
  }
  const ingested = (forwarder ? row.forwarded_at : row.received_at) ?? messageTs;
  const values = {
    channelId: withoutNul(channelId, 'channel_id', problems),
    messageId,
    messageTs: at(messageTs),
    text: withoutNul(row.message_text ?? '', 'message_text', problems),
    channelTitle: forwarder && row.source_channel_name !== null ? withoutNul(row.source_channel_name, 'source_channel_name', problems) : null,
    source: forwarder ? 'original-forwarder' : 'original-ingest',
    photos,
    // Not parsed again: the signals the original derived are imported as it stored them.
    parseKind: 'legacy',
    legacyRef: ref,
    legacyValues: Object.keys(kept).length ? kept : null,
    ingestedAt: at(ingested),
    updatedAt: at(ingested),
  } as unknown as typeof forwardedMessages.$inferInsert;
  return { ref, values, key: `${channelId}|${messageId}|${new Date(messageTs).getTime()}`, problems: problems.list };
}

async function importForwarded(options: ImportOptions, table: SourceTable, seen: Map<string, string>): Promise<TableReconciliation> {
  const rec = new Reconciler(table);
  await eachPage(options, table, (rows) =>
    importBatch(options, rec, rows.map((r) => prepareForwarded(table, r)), seen, async (tx, values) => {
      const inserted = await tx.insert(forwardedMessages).values(values).onConflictDoNothing().returning({ id: forwardedMessages.id });
      return inserted.length;
    }),
  );
  return rec.report;
}

// ---- registries ----------------------------------------------------------------------------------

async function allRows(options: ImportOptions, table: SourceTable): Promise<Row[]> {
  const rows: Row[] = [];
  await eachPage(options, table, async (page) => {
    rows.push(...page);
  });
  return rows;
}

/** Deleted rows last, then the newest update first: the row that wins a collapse. */
const preference = (a: Row, b: Row) => Number(a.status === 'deleted') - Number(b.status === 'deleted') || String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? ''));

async function importChannels(options: ImportOptions, table: SourceTable): Promise<TableReconciliation> {
  const rec = new Reconciler(table);
  const rows = await allRows(options, table);
  // One row per Telegram channel here; the original could register one twice (deleted and re-added, or via both APIs).
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.channel_id ?? '';
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const prepared: Array<Prepared<typeof telegramChannels.$inferInsert>> = [];
  for (const [channelId, group] of groups) {
    const [winner, ...others] = [...group].sort(preference);
    const ref = rowRef(table, winner);
    for (const other of others) {
      const why = other.status === 'deleted' ? 'deleted registration of a channel registered again' : 'second registration of the same channel_id';
      prepared.push({ ref: rowRef(table, other), collapse: why, into: ref });
    }
    if (!channelId || !winner.id || winner.label === null) {
      prepared.push({ ref, skip: 'no id, label or channel_id' });
      continue;
    }
    const problems = new RowProblems();
    const type = winner.channel_type === 'destination' ? 'destination' : 'source';
    const status = winner.status === 'deleted' || winner.status === 'inactive' ? winner.status : 'active';
    const created = winner.created_at ?? winner.updated_at;
    prepared.push({
      ref,
      key: `channel|${channelId}`,
      problems: problems.list,
      values: {
        legacyId: withoutNul(winner.id, 'id', problems),
        channelId,
        label: withoutNul(winner.label, 'label', problems),
        description: winner.description === null ? null : withoutNul(winner.description, 'description', problems),
        channelType: type,
        status,
        ...(created ? { createdAt: at(created) } : {}),
        ...(winner.updated_at ? { updatedAt: at(winner.updated_at) } : {}),
      } as unknown as typeof telegramChannels.$inferInsert,
    });
  }
  await importBatch(options, rec, prepared, new Map(), async (tx, values) => (await tx.insert(telegramChannels).values(values).onConflictDoNothing().returning({ id: telegramChannels.id })).length);
  return rec.report;
}

async function importBots(options: ImportOptions, table: SourceTable): Promise<TableReconciliation> {
  const rec = new Reconciler(table);
  const rows = await allRows(options, table);
  const prepared: Array<Prepared<typeof telegramBots.$inferInsert>> = [];
  const live = rows.filter((r) => r.status !== 'deleted').sort(preference);
  for (const row of rows) if (row.status === 'deleted') prepared.push({ ref: rowRef(table, row), skip: 'deleted in the original (its API hid it); the row stays in the original table' });
  const byUsername = new Map<string, string>();
  for (const row of live) {
    const ref = rowRef(table, row);
    if (!row.id || !row.username || !row.token) {
      prepared.push({ ref, skip: 'no id, username or token' });
      continue;
    }
    // Usernames are unique here; the original allowed one twice. The newest registration wins.
    const earlier = byUsername.get(row.username);
    if (earlier) {
      prepared.push({ ref, collapse: 'second registration of the same username', into: earlier });
      continue;
    }
    byUsername.set(row.username, ref);
    const problems = new RowProblems();
    const created = row.created_at ?? row.updated_at;
    prepared.push({
      ref,
      key: `bot|${row.id}`,
      problems: problems.list,
      values: {
        legacyId: withoutNul(row.id, 'id', problems),
        username: withoutNul(row.username, 'username', problems),
        // The token itself is never stored; the original table keeps it for its owner.
        ...digestBotToken(row.token),
        botType: row.bot_type ?? 'Sender',
        description: row.description === null ? null : withoutNul(row.description, 'description', problems),
        isActive: row.status !== 'inactive',
        ...(created ? { createdAt: at(created) } : {}),
        ...(row.updated_at ? { updatedAt: at(row.updated_at) } : {}),
      } as unknown as typeof telegramBots.$inferInsert,
    });
  }
  await importBatch(options, rec, prepared, new Map(), async (tx, values) => (await tx.insert(telegramBots).values(values).onConflictDoNothing().returning({ id: telegramBots.id })).length);
  return rec.report;
}

/** A table the original system created but nothing in it ever wrote or showed: counted, left where it is. */
async function countUnread(options: ImportOptions, table: SourceTable): Promise<TableReconciliation> {
  const rec = new Reconciler(table);
  const n = await countRows(options.source, table);
  rec.report.read = n;
  rec.report.skipped = n;
  if (n) rec.report.reasons['nothing in the original wrote or showed this table; left in place'] = n;
  return rec.report;
}

/**
 * Imports every detected table into the target: registries first (signal rows show their channel's
 * label), then signals, then forwarded messages. Idempotent (rows already imported are counted, not
 * written again) and resumable: each batch commits on its own.
 */
export async function importTables(options: ImportOptions): Promise<TableReconciliation[]> {
  const seenSignals = new Map<string, string>();
  const seenMessages = new Map<string, string>();
  const reports: TableReconciliation[] = [];
  for (const table of options.tables) {
    if (table.kind === 'channels') reports.push(await importChannels(options, table));
    else if (table.kind === 'bots') reports.push(await importBots(options, table));
    else if (table.kind === 'signals') reports.push(await importSignals(options, table, seenSignals));
    else if (table.kind === 'forwarded') reports.push(await importForwarded(options, table, seenMessages));
    else reports.push(await countUnread(options, table));
  }
  return reports;
}
