import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

export const tpCapital = pgSchema('tp_capital');

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const price = (name: string) => numeric(name, { precision: 18, scale: 6 });

/**
 * Every message the gateway delivered, exactly once. Time-series: a hypertable on TimescaleDB,
 * so the primary and unique keys include `message_ts` (Telegram's original date, which never changes).
 */
/**
 * Where a row imported from the original system came from (`<schema>.<table>#<id>`; null for live
 * rows), and the original values its columns cannot hold as stored (NULL text, the forwarder's
 * destination…).
 */
const importedFrom = () => ({
  legacyRef: text('legacy_ref'),
  legacyValues: jsonb('legacy_values').$type<Record<string, unknown>>(),
});

/** When the row was first stored, and when it last changed. */
const storedAndUpdated = () => ({
  ingestedAt: tstz('ingested_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const forwardedMessages = tpCapital.table(
  'forwarded_messages',
  {
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    channelId: text('channel_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    messageTs: tstz('message_ts').notNull(),
    text: text('text').notNull(),
    channelTitle: text('channel_title'),
    source: text('source').notNull(),
    editDate: tstz('edit_date'),
    replyToMessageId: bigint('reply_to_message_id', { mode: 'number' }),
    mediaGroupId: text('media_group_id'),
    photos: jsonb('photos'),
    /** The gateway's media references, in album order (`IngestMessage.media`); resolved through `media_sources`. */
    media: jsonb('media'),
    forwardedFrom: jsonb('forwarded_from'),
    /** Where the gateway mirrored the message and how (`IngestMessage.forwardedTo`: channelId, method forward | copy). */
    forwardedTo: jsonb('forwarded_to'),
    /** What the parser made of it: signal | update | message | warning. */
    parseKind: text('parse_kind'),
    parseWarning: text('parse_warning'),
    parserVersion: integer('parser_version'),
    /** What the parser recognised in a post that changes nothing (a recap, a skipped leg of a multi-signal post). */
    parseNote: text('parse_note'),
    /** When Telegram reported the message deleted; the row itself is kept. */
    deletedAt: tstz('deleted_at'),
    ...importedFrom(),
    ...storedAndUpdated(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.messageTs] }),
    unique('forwarded_messages_message_key').on(t.channelId, t.messageId, t.messageTs),
    index('forwarded_messages_ts_idx').on(t.messageTs.desc()),
  ],
);

/** Previous texts of an edited message, newest edit last. */
export const messageVersions = tpCapital.table(
  'message_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    channelId: text('channel_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    messageTs: tstz('message_ts').notNull(),
    text: text('text').notNull(),
    editDate: tstz('edit_date'),
    replacedAt: tstz('replaced_at').notNull().defaultNow(),
  },
  (t) => [index('message_versions_message_idx').on(t.channelId, t.messageId, t.messageTs)],
);

/**
 * One parsed trading signal per asset of a message (a post may list several). Hypertable on `ts`
 * (the message date), so the message key (channel, message, asset) includes it.
 */
export const signals = tpCapital.table(
  'tp_capital_signals',
  {
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    ts: tstz('ts').notNull(),
    channelId: text('channel_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    asset: text('asset').notNull(),
    signalType: text('signal_type'),
    buyMin: price('buy_min'),
    buyMax: price('buy_max'),
    target1: price('target_1'),
    target2: price('target_2'),
    targetFinal: price('target_final'),
    targets: price('targets').array().notNull().default(sql`'{}'::numeric[]`),
    /** The stop as posted; `current_stop` follows the channel's stop moves. */
    stop: price('stop'),
    /** `buy` or `sell` (VENDA, venda a descoberto, short): a sell's stop sits above the entry, its targets below. */
    side: text('side').notNull().default('buy'),
    /** The latest stop the channel moved to (`stop_moved` events); null while it never moved. */
    currentStop: price('current_stop'),
    /** Levels given as a percentage of an unknown entry (`Compra a mercado`, `Alvo 1: +20%`, `Stop: -15%`). */
    target1Pct: numeric('target_1_pct', { precision: 9, scale: 4 }),
    stopPct: numeric('stop_pct', { precision: 9, scale: 4 }),
    status: text('status').notNull().default('open'),
    /** Percentage reported by the latest lifecycle update (e.g. +17.02 for "ALVO 1 ATINGIDO +17,02%"). */
    lastResultPct: numeric('last_result_pct', { precision: 9, scale: 4 }),
    expiresAt: tstz('expires_at'),
    rawMessage: text('raw_message').notNull(),
    parserVersion: integer('parser_version').notNull(),
    /** When the signal's message was deleted in Telegram; the signal is kept and marked. */
    deletedAt: tstz('deleted_at'),
    // Outcome, derived from the signal's events (apps/tp-capital-api lifecycle): the channel's way,
    // target (or stop) ÷ buy_min − 1, in percent.
    resultPct: numeric('result_pct', { precision: 9, scale: 4 }),
    /** What `result_pct` is measured at: `target_<n>` (the highest target hit) or `stop`. */
    resultBasis: text('result_basis'),
    /** Highest target number hit (the final target counts as the last of `targets`). */
    highestTarget: integer('highest_target'),
    /** First hit of each target: `{ "1": "<ISO time>", ... }`. */
    targetHits: jsonb('target_hits').$type<Record<string, string>>().notNull().default({}),
    firstTargetAt: tstz('first_target_at'),
    stoppedAt: tstz('stopped_at'),
    /**
     * Version of the lifecycle rules the outcome was derived with; null for rows older than the
     * outcome columns, which `reparse` re-derives. New signals have no events, so they start current.
     */
    lifecycleVersion: integer('lifecycle_version').default(2),
    /** Set when a trader corrected the parsed fields (`PUT /signals/:id`); a reparse never overwrites them. */
    correctedAt: tstz('corrected_at'),
    correctedBy: text('corrected_by'),
    /**
     * Imported from the original system: its `source` column (live signals take theirs from their
     * message), where the row came from, and the stored values the columns above cannot hold as stored.
     * Imported rows have no Telegram message id: theirs is negative, so live ingestion never meets it.
     */
    source: text('source'),
    ...importedFrom(),
    ...storedAndUpdated(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.ts] }),
    unique('tp_capital_signals_message_asset_key').on(t.channelId, t.messageId, t.ts, t.asset),
    index('tp_capital_signals_ts_idx').on(t.ts.desc()),
    index('tp_capital_signals_asset_idx').on(t.channelId, t.asset, t.ts.desc()),
  ],
);

/**
 * Lifecycle updates ("ALVO 1 ATINGIDO", "stop", "CANCELADA") applied to a signal. Keyed by the
 * update message so a redelivered or re-parsed update is recorded once. No foreign key: signals
 * may be a hypertable, which older TimescaleDB releases cannot reference.
 */
export const signalEvents = tpCapital.table(
  'signal_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    signalId: bigint('signal_id', { mode: 'number' }).notNull(),
    signalTs: tstz('signal_ts').notNull(),
    channelId: text('channel_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    messageTs: tstz('message_ts').notNull(),
    eventType: text('event_type').notNull(),
    /** The target a hit refers to, resolved when applied (`ALVO ATINGIDO` → the next one; final → the last). */
    target: integer('target'),
    /** The target a `target_changed` names as posted: `1`, `2`, … or `final`. */
    targetLabel: text('target_label'),
    percentage: numeric('percentage', { precision: 9, scale: 4 }),
    /** The level an event sets: the new stop (`stop_moved`, breakeven = `buy_min`) or the new target price (`target_changed`). */
    price: price('price'),
    /** A result stated in points (futures: `+350 pts`). */
    points: numeric('points', { precision: 18, scale: 6 }),
    /** Position of the event in its message: `ALVO 1 ✅ … subir o stop para 1,04` records two. */
    seq: integer('seq').notNull().default(0),
    rawMessage: text('raw_message').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('signal_events_message_seq_key').on(t.channelId, t.messageId, t.messageTs, t.seq),
    index('signal_events_signal_idx').on(t.signalId),
  ],
);

/**
 * Previous parsed fields of a signal a trader corrected (`PUT /signals/:id`), one row per correction:
 * who (the API key's name), when, and the values before it.
 */
export const signalVersions = tpCapital.table(
  'signal_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    signalId: bigint('signal_id', { mode: 'number' }).notNull(),
    signalTs: tstz('signal_ts').notNull(),
    /** The corrected fields' values before the correction, as the API names them. */
    previous: jsonb('previous').$type<Record<string, unknown>>().notNull(),
    correctedBy: text('corrected_by').notNull(),
    correctedAt: tstz('corrected_at').notNull().defaultNow(),
  },
  (t) => [index('signal_versions_signal_idx').on(t.signalId, t.correctedAt)],
);

/** Recent ingest and parse events shown by `GET /logs`; pruned by the API to a bounded size. */
export const ingestLogs = tpCapital.table(
  'ingest_logs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    level: text('level').notNull(),
    event: text('event').notNull(),
    message: text('message').notNull(),
    channelId: text('channel_id'),
    messageId: bigint('message_id', { mode: 'number' }),
    details: jsonb('details'),
  },
  (t) => [index('ingest_logs_created_idx').on(t.createdAt.desc())],
);

/**
 * The channel registry managed from the dashboard. Deleting is soft (`status = 'deleted'`), so a
 * channel's history keeps its label; registering a deleted channel again revives its row.
 */
export const telegramChannels = tpCapital.table(
  'telegram_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The original system's id (`ch_<ms>`, `channel-<ms>-<rand>`): shown and accepted in its place. */
    legacyId: text('legacy_id').unique('telegram_channels_legacy_id_key'),
    channelId: text('channel_id').notNull().unique('telegram_channels_channel_key'),
    label: text('label').notNull(),
    description: text('description'),
    /** `source` channels are read by the gateway; a `destination` receives its forwards. */
    channelType: text('channel_type').notNull().default('source'),
    status: text('status').notNull().default('active'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('telegram_channels_status_check', sql`${t.status} in ('active', 'inactive', 'deleted')`),
    check('telegram_channels_type_check', sql`${t.channelType} in ('source', 'destination')`),
  ],
);

export const telegramBots = tpCapital.table('telegram_bots', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The original system's id (`bot-<ms>-<rand>`): shown and accepted in its place. */
  legacyId: text('legacy_id').unique('telegram_bots_legacy_id_key'),
  username: text('username').notNull().unique('telegram_bots_username_key'),
  /**
   * The Bot API token is never stored: nothing here runs a bot. What the dashboard shows of it
   * (`1234****wxyz`) and a fingerprint (sha-256 hex, first 16) to tell two tokens apart.
   */
  tokenHint: text('token_hint').notNull(),
  tokenFingerprint: text('token_fingerprint').notNull(),
  botType: text('bot_type').notNull().default('ingestion'),
  description: text('description'),
  isActive: boolean('is_active').notNull().default(true),
  createdAt: tstz('created_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/** One run of `import-legacy`: what it found in the original system and its reconciliation per table. */
export const legacyImports = tpCapital.table('legacy_imports', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  startedAt: tstz('started_at').notNull(),
  finishedAt: tstz('finished_at').notNull().defaultNow(),
  /** `in-place` (the original tables moved to `tp_capital_legacy`) or `separate` (read-only source). */
  mode: text('mode').notNull(),
  /** The source database, without its password. */
  source: text('source').notNull(),
  layouts: jsonb('layouts').notNull(),
  report: jsonb('report').notNull(),
});

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Photo bytes the gateway uploaded, content-addressed: the sha-256 of the bytes is the key, so an
 * upload is idempotent and a file is stored once however many messages show it. Kept in PostgreSQL
 * so it needs no volume and is backed up with the rest of the data.
 */
export const media = tpCapital.table(
  'media',
  {
    sha256: text('sha256').primaryKey(),
    /** Detected from the bytes on upload, never taken from the client. */
    contentType: text('content_type').notNull(),
    bytes: bytea('bytes').notNull(),
    size: integer('size').notNull(),
    width: integer('width'),
    height: integer('height'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('media_sha256_check', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    index('media_created_at_idx').on(t.createdAt),
  ],
);

/**
 * What became of each Telegram file (by its `file_unique_id`, stable across bots and time): stored
 * as which sha-256, or failed with the reason. A message's `media` entries are resolved through it.
 */
export const mediaSources = tpCapital.table(
  'media_sources',
  {
    fileUniqueId: text('file_unique_id').primaryKey(),
    status: text('status').notNull(),
    sha256: text('sha256'),
    reason: text('reason'),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [check('media_sources_status_check', sql`${t.status} in ('stored', 'failed')`), index('media_sources_sha256_idx').on(t.sha256)],
);

/**
 * What the dashboard asked the gateway to do (`sync_messages`, `reload_channels`, `fill_gaps`), handed
 * to it in its long-polled state and answered by the gateway posting the result. Kept in the database,
 * not in one API process, so a request survives a restart and any replica can hand it out or wait for it.
 */
export const gatewayRequests = tpCapital.table(
  'gateway_requests',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    /** `pending` until the gateway answers (`done`, `failed`) or the asker stops waiting (`expired`). */
    status: text('status').notNull().default('pending'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** Not handed out after this: whoever asked has stopped waiting. */
    expiresAt: tstz('expires_at').notNull(),
    completedAt: tstz('completed_at'),
    result: jsonb('result'),
    error: text('error'),
  },
  (t) => [
    check('gateway_requests_status_check', sql`${t.status} in ('pending', 'done', 'failed', 'expired')`),
    index('gateway_requests_pending_idx').on(t.createdAt).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * The gateway's last report (source states, channels in force, continuity audit) and when it was last
 * heard from; one row. The API's `/gateway/status` and `/health` read it.
 */
export const gatewayStatus = tpCapital.table('gateway_status', {
  id: text('id').primaryKey(),
  lastContactAt: tstz('last_contact_at').notNull(),
  reportedAt: tstz('reported_at'),
  report: jsonb('report'),
});
