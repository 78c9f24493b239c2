import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { gatewayRequests, type Database } from '@tp/db-schema';
import type { GatewayRequest, GatewayRequestKind, GatewayRequestResult } from '@tp/ingest-contract';
import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';

/** How a wait for the gateway's answer ended. */
export type RequestOutcome = { status: 'done'; result: Record<string, unknown> } | { status: 'failed'; error: string } | { status: 'expired' };

/** What became of a result the gateway posted. */
export type AnswerOutcome = 'accepted' | 'unknown' | 'expired' | 'already_answered';

/** Answered and expired requests are kept this long (for inspection), then deleted. */
const KEEP_FINISHED_MS = 24 * 3_600_000;

/**
 * The requests the dashboard makes of the gateway, in PostgreSQL: every API replica can hand them
 * out and see them answered, and a request survives a restart of the API. Waiting is event-driven
 * within this process and re-checks the table every `recheckMs`, so an answer posted to another
 * replica is seen too.
 */
export class GatewayRequestQueue {
  /** `changed` when a request was added or finished here; `answered:<id>` when its result arrived here. */
  readonly events = new EventEmitter();

  constructor(
    private readonly db: Database,
    private readonly options: { recheckMs?: number; now?: () => number } = {},
  ) {
    this.events.setMaxListeners(0);
  }

  private now(): Date {
    return new Date((this.options.now ?? Date.now)());
  }

  async enqueue(kind: GatewayRequestKind, timeoutMs: number): Promise<GatewayRequest> {
    const id = randomUUID();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + timeoutMs);
    await this.db.delete(gatewayRequests).where(lt(gatewayRequests.createdAt, new Date(now.getTime() - KEEP_FINISHED_MS)));
    await this.db.insert(gatewayRequests).values({ id, kind, createdAt: now, expiresAt });
    this.events.emit('changed');
    return { id, kind, expiresAt: expiresAt.toISOString() };
  }

  /** Requests still waiting for an answer, oldest first. */
  async pending(): Promise<GatewayRequest[]> {
    const rows = await this.db
      .select({ id: gatewayRequests.id, kind: gatewayRequests.kind, expiresAt: gatewayRequests.expiresAt })
      .from(gatewayRequests)
      .where(and(eq(gatewayRequests.status, 'pending'), gt(gatewayRequests.expiresAt, this.now())))
      .orderBy(asc(gatewayRequests.createdAt), asc(gatewayRequests.id));
    return rows.map((r) => ({ id: r.id, kind: r.kind as GatewayRequestKind, expiresAt: r.expiresAt.toISOString() }));
  }

  /** Records the gateway's answer, once, and only while someone still waits for it. */
  async answer(id: string, answer: GatewayRequestResult): Promise<AnswerOutcome> {
    const updated = await this.db
      .update(gatewayRequests)
      .set(answer.ok ? { status: 'done', result: answer.result, completedAt: this.now() } : { status: 'failed', error: answer.error, completedAt: this.now() })
      .where(and(eq(gatewayRequests.id, id), eq(gatewayRequests.status, 'pending'), gt(gatewayRequests.expiresAt, this.now())))
      .returning({ id: gatewayRequests.id });
    if (updated.length) {
      this.events.emit(`answered:${id}`);
      this.events.emit('changed');
      return 'accepted';
    }
    const [row] = await this.db.select({ status: gatewayRequests.status }).from(gatewayRequests).where(eq(gatewayRequests.id, id));
    if (!row) return 'unknown';
    return row.status === 'pending' || row.status === 'expired' ? 'expired' : 'already_answered';
  }

  /**
   * Waits up to `timeoutMs` for the gateway's answer. Without one the request is expired, so the
   * gateway is not handed work nobody waits for; an answer that won that race is returned instead.
   */
  async waitFor(id: string, timeoutMs: number): Promise<RequestOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outcome = await this.outcome(id);
      if (outcome) return outcome;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await once(this.events, `answered:${id}`, Math.min(left, this.options.recheckMs ?? 250));
    }
    const expired = await this.db
      .update(gatewayRequests)
      .set({ status: 'expired', completedAt: this.now() })
      .where(and(eq(gatewayRequests.id, id), eq(gatewayRequests.status, 'pending')))
      .returning({ id: gatewayRequests.id });
    if (expired.length) {
      this.events.emit('changed');
      return { status: 'expired' };
    }
    return (await this.outcome(id)) ?? { status: 'expired' };
  }

  private async outcome(id: string): Promise<RequestOutcome | null> {
    const [row] = await this.db
      .select({ status: gatewayRequests.status, result: gatewayRequests.result, error: gatewayRequests.error })
      .from(gatewayRequests)
      .where(eq(gatewayRequests.id, id));
    if (row?.status === 'done') return { status: 'done', result: (row.result ?? {}) as Record<string, unknown> };
    if (row?.status === 'failed') return { status: 'failed', error: row.error ?? 'the gateway gave no reason' };
    if (row?.status === 'expired') return { status: 'expired' };
    return null;
  }

  /** How many requests wait for the gateway now (for `/gateway/status`). */
  async pendingCount(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(gatewayRequests)
      .where(and(eq(gatewayRequests.status, 'pending'), gt(gatewayRequests.expiresAt, this.now())));
    return Number(row?.n ?? 0);
  }
}

/** Resolves when `event` fires or after `ms`, whichever comes first; never leaves a listener behind. */
export function once(events: EventEmitter, event: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      events.off(event, done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    events.on(event, done);
    signal?.addEventListener('abort', done);
  });
}
