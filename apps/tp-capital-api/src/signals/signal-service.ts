import type { Database } from '@tp/db-schema';
import { ConflictError, NotFoundError } from '../domain/errors';
import { iso } from '../http/query';
import { lockChannelLifecycle, recomputeSignal } from '../lifecycle/signal-lifecycle';
import { planCorrection, type CorrectionResult } from './corrections';
import { SignalRepository, type SignalFilter } from './signal-repository';
import { signalJson, signalWithHistoryJson } from './signal-view';

/** Most ids named in a 409 when several signals share an ingest time. */
const MAX_LISTED = 50;

/** The dashboard's signals: listing, one with its history, deletion, corrections, the channel summary. */
export class SignalService {
  private readonly signals: SignalRepository;

  constructor(db: Database) {
    this.signals = new SignalRepository(db);
  }

  async list(filter: SignalFilter) {
    return (await this.signals.list(filter)).map((r) => signalJson(r.signal, r));
  }

  /** A signal with its events (message order) and correction versions. */
  async get(id: number) {
    const row = await this.signals.find(id);
    if (!row) throw new NotFoundError(`signal ${id} not found`);
    return signalWithHistoryJson(row, await this.signals.events(id), await this.signals.versions(id));
  }

  /**
   * The original dashboard's delete: the signal ingested at `at` (optionally the one with `id`).
   * Signals stored by one batch share their ingest time; deleting all of them for one click would
   * lose data, so several is a conflict naming them.
   */
  deleteIngestedAt(at: Date, id?: number): Promise<number[]> {
    return this.signals.inTransaction(async (signals) => {
      const found = await signals.idsIngestedAt(at, id, MAX_LISTED + 1);
      if (!found.length) throw new NotFoundError(`no signal was ingested at ${at.toISOString()}`);
      if (found.length > 1) {
        throw new ConflictError(
          `${found.length} signals were ingested at ${at.toISOString()}; pass "id" too, or use DELETE /signals/{id}`,
          found.map((f) => ({ path: 'id', message: String(f) })),
          'ambiguous',
        );
      }
      return signals.deleteWithHistory(found);
    });
  }

  async delete(id: number): Promise<void> {
    const removed = await this.signals.inTransaction((signals) => signals.deleteWithHistory([id]));
    if (!removed.length) throw new NotFoundError(`signal ${id} not found`);
  }

  /**
   * Corrects a signal's parsed fields: the previous values of the fields that change are kept as a
   * version with who (the API key's name) and when, the signal is marked corrected (a reparse or an
   * edit never overwrites it), and its status and outcome are re-derived from its events with the new
   * levels. One transaction, under the channel's lifecycle lock.
   */
  correct(id: number, body: Record<string, unknown>, by: string, now = new Date()): Promise<CorrectionResult> {
    return this.signals.inTransaction(async (signals, tx) => {
      const channelId = await signals.channelOf(id);
      if (channelId === undefined) throw new NotFoundError(`signal ${id} not found`);
      await lockChannelLifecycle(tx, channelId);
      const row = await signals.lockRow(id);
      if (!row) throw new NotFoundError(`signal ${id} not found`);
      const { before, after, changed, columns } = planCorrection(row, body);
      if (!changed.length) return { changed };
      if (changed.includes('asset')) {
        const clash = await signals.legWithAsset(row, after.asset as string);
        if (clash !== undefined) throw new ConflictError(`the post of signal ${id} already has a ${String(after.asset)} signal (${clash})`, [{ path: 'asset', message: 'already a signal of this post' }]);
      }
      await signals.saveCorrection(row, { previous: Object.fromEntries(changed.map((k) => [k, before[k]])), columns, by, at: now });
      await recomputeSignal(tx, { id: row.id, ts: row.ts }, now);
      return { changed };
    });
  }

  /** Every channel with signals or registered, with its signal count and newest signal, newest first. */
  async channels() {
    const stats = await this.signals.signalCountsByChannel();
    const registered = await this.signals.registeredChannels();
    const byId = new Map(registered.map((c) => [c.channelId, c]));
    const statsById = new Map(stats.map((s) => [s.channelId, s]));
    const ids = new Set([...stats.map((s) => s.channelId), ...registered.map((c) => c.channelId)]);
    const data = [...ids].map((channelId) => {
      const s = statsById.get(channelId);
      const c = byId.get(channelId);
      return {
        channel: c?.label ?? channelId,
        channel_id: channelId,
        label: c?.label ?? null,
        is_active: c ? c.status === 'active' : null,
        signal_count: Number(s?.signalCount ?? 0),
        last_signal: iso(s?.lastSignal ?? null),
      };
    });
    data.sort((a, b) => (b.last_signal ?? '').localeCompare(a.last_signal ?? '') || a.channel.localeCompare(b.channel));
    return data;
  }
}
