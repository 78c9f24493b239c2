import { readFileSync } from 'node:fs';
import path from 'node:path';
import { queryRows, type Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';

/** The fixture databases, one per layout of ORIGINAL-SYSTEM.md, as SQL files in `fixtures/`. */
export const FIXTURES = {
  head: 'head-tp-capital.sql',
  dashboardEra: '2025-10-26.sql',
  docker: 'docker-signals.sql',
  signalsV2: 'signals-v2.sql',
  firstGateway: '2025-10-27.sql',
} as const;

export const fixtureSql = (file: string) => readFileSync(path.join(__dirname, 'fixtures', file), 'utf8');

const ms = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const PRICES = ['buy_min', 'buy_max', 'target_1', 'target_2', 'target_final', 'stop'];

export interface OriginalSignal {
  ts: number | null;
  channel: string | null;
  signal_type: string | null;
  asset: string;
  prices: Array<number | null>;
  raw_message: string | null;
  source: string | null;
  ingested_at: string;
}

/**
 * What the original API's `GET /signals` answered for `relation` (ORIGINAL-SYSTEM.md §3.3–3.4), as the
 * dashboard read it: numbers through `Number()`, `ts` in epoch ms (HEAD: `Number(row.ts)`; 10-26: the
 * ISO string of a TIMESTAMPTZ), `ingested_at` as node-pg's Date in JSON (milliseconds). HEAD hid
 * checkpoints; 10-26 showed every row.
 */
export async function originalSignals(db: Database, relation: string, options: { tsIsTimestamp: boolean; hideCheckpoints: boolean }): Promise<OriginalSignal[]> {
  const ts = options.tsIsTimestamp ? `(extract(epoch from ts) * 1000)::bigint::text` : 'ts::text';
  const rows = await queryRows<Record<string, string | null>>(
    db,
    sql.raw(
      `select ${ts} as ts, channel, signal_type, asset, ${PRICES.map((p) => `${p}::text as ${p}`).join(', ')}, raw_message, source, ${ms('ingested_at')} as ingested_at
         from ${relation} ${options.hideCheckpoints ? `where asset != '__checkpoint__'` : ''} order by ts desc`,
    ),
  );
  return rows.map((r) => ({
    ts: r.ts === null ? null : Number(r.ts),
    channel: r.channel,
    signal_type: r.signal_type,
    asset: r.asset as string,
    prices: PRICES.map((p) => (r[p] === null ? null : Number(r[p]))),
    raw_message: r.raw_message,
    source: r.source,
    ingested_at: r.ingested_at as string,
  }));
}

/** The same view of one row of this API's `GET /signals`: the stored channel is `channel_id`. */
export function apiSignalView(row: Record<string, unknown>, originalTs: number | null): OriginalSignal {
  return {
    ts: originalTs === null && row.ts === Date.parse(String(row.ingested_at)) ? null : (row.ts as number),
    channel: row.channel === null ? null : (row.channel_id as string),
    signal_type: row.signal_type as string | null,
    asset: row.asset as string,
    prices: PRICES.map((p) => row[p] as number | null),
    raw_message: row.raw_message as string | null,
    source: row.source as string | null,
    ingested_at: row.ingested_at as string,
  };
}

/** `GET /telegram-channels` and `/telegram/bots` of the original: every row not deleted. */
export async function originalChannels(db: Database, relation: string) {
  return queryRows<Record<string, string | null>>(db, sql.raw(`select id, label, channel_id::text as channel_id, channel_type, description, status from ${relation} where status != 'deleted' order by id`));
}

export async function originalBots(db: Database, relation: string) {
  return queryRows<Record<string, string | null>>(db, sql.raw(`select id, username, token, bot_type, description, status from ${relation} where status != 'deleted' order by id`));
}

/** HEAD's `GET /forwarded-messages` over the ingest shape (§3.3): `ts` = ms of `original_timestamp`. */
export async function originalIngestMessages(db: Database, relation: string) {
  return queryRows<Record<string, string | null>>(
    db,
    sql.raw(`select (extract(epoch from original_timestamp) * 1000)::bigint::text as ts, channel_id, message_id::text as message_id, message_text, photos, ${ms('received_at')} as received_at from ${relation} order by original_timestamp desc`),
  );
}

/** 10-26's `GET /forwarded-messages` over the forwarder's shape: every column, `ts DESC`. */
export async function originalForwarderMessages(db: Database, relation: string) {
  return queryRows<Record<string, string | null>>(
    db,
    sql.raw(
      `select (extract(epoch from ts) * 1000)::bigint::text as ts, source_channel_id::text as source_channel_id, source_channel_name, message_id::text as message_id, message_text,
              image_url, image_width, image_height, ${ms('forwarded_at')} as forwarded_at, destination_channel_id::text as destination_channel_id, forward_method
         from ${relation} order by ts desc`,
    ),
  );
}
