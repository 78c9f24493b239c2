import { media, mediaSources, type Database } from '@tp/db-schema';
import { eq, inArray, lt, sql } from 'drizzle-orm';
import type { MediaType } from './image-type';

export interface StoredMedia {
  sha256: string;
  contentType: string;
  bytes: Buffer;
  size: number;
}

/** What the API knows of a Telegram file, by `file_unique_id`. */
export interface MediaSourceState {
  fileUniqueId: string;
  status: 'stored' | 'failed';
  sha256: string | null;
  reason: string | null;
  /** Set while the stored bytes still exist (retention may have pruned them). */
  contentType: string | null;
  width: number | null;
  height: number | null;
}

/** Content-addressed photo storage in `tp_capital.media`, and the fate of each Telegram file. */
export class MediaStore {
  constructor(private readonly db: Database) {}

  /** Stores the bytes under their sha-256; true when new, false when they were already stored. */
  async put(item: { sha256: string; contentType: MediaType; bytes: Buffer; width: number; height: number }): Promise<boolean> {
    const inserted = await this.db
      .insert(media)
      .values({ sha256: item.sha256, contentType: item.contentType, bytes: item.bytes, size: item.bytes.length, width: item.width, height: item.height })
      .onConflictDoNothing()
      .returning({ sha256: media.sha256 });
    return inserted.length > 0;
  }

  async get(sha256: string): Promise<StoredMedia | null> {
    const [row] = await this.db
      .select({ sha256: media.sha256, contentType: media.contentType, bytes: media.bytes, size: media.size })
      .from(media)
      .where(eq(media.sha256, sha256));
    return row ?? null;
  }

  async exists(sha256: string): Promise<boolean> {
    const [row] = await this.db.select({ sha256: media.sha256 }).from(media).where(eq(media.sha256, sha256));
    return Boolean(row);
  }

  /**
   * Records what became of a Telegram file. A stored file stays stored: a later failure report for
   * the same file (a retry that lost a race) never hides bytes the API has.
   */
  async recordSource(state: { fileUniqueId: string; status: 'stored' | 'failed'; sha256?: string; reason?: string }): Promise<void> {
    await this.db
      .insert(mediaSources)
      .values({ fileUniqueId: state.fileUniqueId, status: state.status, sha256: state.sha256 ?? null, reason: state.reason ?? null })
      .onConflictDoUpdate({
        target: mediaSources.fileUniqueId,
        set: { status: state.status, sha256: state.sha256 ?? null, reason: state.reason ?? null, updatedAt: sql`now()` },
        setWhere: state.status === 'failed' ? sql`${mediaSources.status} <> 'stored'` : undefined,
      });
  }

  /** The state of each file named, with the stored file's type and size when its bytes still exist. */
  async sources(fileUniqueIds: string[]): Promise<Map<string, MediaSourceState>> {
    if (!fileUniqueIds.length) return new Map();
    const rows = await this.db
      .select({
        fileUniqueId: mediaSources.fileUniqueId,
        status: mediaSources.status,
        sha256: mediaSources.sha256,
        reason: mediaSources.reason,
        contentType: media.contentType,
        width: media.width,
        height: media.height,
      })
      .from(mediaSources)
      .leftJoin(media, eq(media.sha256, mediaSources.sha256))
      .where(inArray(mediaSources.fileUniqueId, [...new Set(fileUniqueIds)]));
    return new Map(rows.map((r) => [r.fileUniqueId, { ...r, status: r.status as 'stored' | 'failed' }]));
  }

  async totals(): Promise<{ bytes: number; count: number }> {
    const [row] = await this.db.select({ bytes: sql<string>`coalesce(sum(${media.size}), 0)`, count: sql<string>`count(*)` }).from(media);
    return { bytes: Number(row.bytes), count: Number(row.count) };
  }

  /**
   * Deletes media older than `retentionDays` (0 keeps them), then the oldest until the total fits
   * `maxTotalBytes`, files no message references first. Returns how many it deleted.
   */
  async prune(options: { retentionDays: number; maxTotalBytes: number; now?: Date }): Promise<number> {
    let deleted = 0;
    if (options.retentionDays > 0) {
      const cutoff = new Date((options.now ?? new Date()).getTime() - options.retentionDays * 86_400_000);
      deleted += (await this.db.delete(media).where(lt(media.createdAt, cutoff)).returning({ sha256: media.sha256 })).length;
    }
    // One statement: the running total, newest kept first, decides which rows fall outside the cap.
    const over = await this.db.execute(sql`
      with ranked as (
        select m.sha256, sum(m.size) over (order by (s.sha256 is not null) desc, m.created_at desc, m.sha256) as running
        from ${media} m left join (select distinct sha256 from ${mediaSources} where sha256 is not null) s on s.sha256 = m.sha256
      )
      delete from ${media} where sha256 in (select sha256 from ranked where running > ${options.maxTotalBytes}) returning sha256`);
    deleted += (over as unknown as { rowCount?: number | null }).rowCount ?? 0;
    return deleted;
  }
}
