import { gatewayStatus, type Database } from '@tp/db-schema';
import type { GatewayStatusReport } from '@tp/ingest-contract';
import { eq } from 'drizzle-orm';

const ROW = 'gateway';

/** What the API knows of the gateway: when it was last heard from and what it last reported. */
export interface GatewayContact {
  lastContactAt: Date | null;
  reportedAt: Date | null;
  report: GatewayStatusReport | null;
}

/**
 * The gateway's liveness, fed by its own calls (every state poll and status report counts as
 * contact). One row in PostgreSQL, so every API replica answers the same.
 */
export class GatewayStatusStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async touch(): Promise<void> {
    const at = new Date(this.now());
    await this.db.insert(gatewayStatus).values({ id: ROW, lastContactAt: at }).onConflictDoUpdate({ target: gatewayStatus.id, set: { lastContactAt: at } });
  }

  async report(report: GatewayStatusReport): Promise<void> {
    const at = new Date(this.now());
    await this.db
      .insert(gatewayStatus)
      .values({ id: ROW, lastContactAt: at, reportedAt: at, report })
      .onConflictDoUpdate({ target: gatewayStatus.id, set: { lastContactAt: at, reportedAt: at, report } });
  }

  async read(): Promise<GatewayContact> {
    const [row] = await this.db.select().from(gatewayStatus).where(eq(gatewayStatus.id, ROW));
    return { lastContactAt: row?.lastContactAt ?? null, reportedAt: row?.reportedAt ?? null, report: (row?.report as GatewayStatusReport | null) ?? null };
  }

  /** Heard from within `staleAfterMs`. */
  isAlive(contact: GatewayContact, staleAfterMs: number): boolean {
    return contact.lastContactAt !== null && this.now() - contact.lastContactAt.getTime() <= staleAfterMs;
  }
}
