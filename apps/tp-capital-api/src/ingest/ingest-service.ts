import { ingestLogs, sqlState, type Database } from '@tp/db-schema';
import type { IngestMessage } from '@tp/ingest-contract';
import { ContentionError } from '../domain/errors';
import { reparseStoredMessages, type ReparseOptions } from '../lifecycle/reparse';
import type { LogEntry } from '../lifecycle/signal-lifecycle';
import { isDerivedDataRefusal } from '../persistence/savepoint';
import { BatchStore } from './batch-store';
import type { IngestOutcome } from './ingest-outcome';
import { prepareMessages, type PreparedMessage } from './prepared-message';
import { applyEdit, applyUpdate } from './signal-effects';

export type { IngestOutcome } from './ingest-outcome';

export interface IngestEvents {
  /** Called once per signal row a request stored, after its statement or transaction committed. */
  signalInserted(signalType: string | null): void;
}

const MAX_ATTEMPTS = 3;

/**
 * Stores messages exactly once and derives signals and lifecycle events from them. Storing a
 * contract-valid message is unconditional: a derived value that cannot be stored (checked against
 * its column first, guarded by a savepoint second) becomes a parse warning on the message; only
 * database failures fail the call.
 *
 * One message's path, in order: `prepareMessages` (parse, fit to the columns) → `BatchStore` (the
 * raw message and its signals, one statement) → `signal-effects` (an update applied to its signal,
 * an edit re-derived) → the log lines → the events, once committed.
 */
export class IngestService {
  private readonly batch: BatchStore;

  constructor(
    private readonly db: Database,
    private readonly events: IngestEvents,
    options: { preparedStatements?: boolean } = {},
  ) {
    this.batch = new BatchStore(options.preparedStatements ?? false);
  }

  async ingest(messages: IngestMessage[]): Promise<IngestOutcome[]> {
    // Concurrent batches touching the same keys can deadlock or fail serialisation: such a batch is retried.
    for (let attempt = 1; ; attempt++) {
      // Parsed afresh on each attempt: a rolled-back attempt may have turned some into warnings.
      const prepared = prepareMessages(messages);
      try {
        const stored = await this.storeOnce(prepared);
        // Only now is it committed: a rolled-back attempt counts nothing.
        for (const type of stored.signalTypes) this.events.signalInserted(type);
        return stored.outcomes;
      } catch (error) {
        const state = sqlState(error);
        if (state === '40P01' || state === '40001') {
          if (attempt < MAX_ATTEMPTS) continue;
          throw new ContentionError(error);
        }
        throw error;
      }
    }
  }

  /**
   * The common case (new messages, new signals, commentary) is one atomic statement. Updates and
   * edits read and change other rows, so those batches run in a transaction, as does a batch whose
   * statement the database refused (then message by message).
   */
  private async storeOnce(prepared: PreparedMessage[]): Promise<Stored> {
    const needsTransaction = prepared.some((p) => p.parsed.kind === 'update' || p.m.editDate);
    let refused = false;
    if (!needsTransaction) {
      try {
        return await this.store(this.db, prepared, null);
      } catch (error) {
        // Nothing was written: store again in a transaction, message by message.
        if (!isDerivedDataRefusal(error)) throw error;
        refused = true;
      }
    }
    return this.db.transaction((tx) => this.store(tx, prepared, { alreadyRefused: refused }));
  }

  /** `guarded`: in a transaction, with savepoints (see `BatchStore.insertGuarded`); null: the one atomic statement. */
  private async store(tx: Database, prepared: PreparedMessage[], guarded: { alreadyRefused: boolean } | null): Promise<Stored> {
    const outcomes: IngestOutcome[] = new Array(prepared.length);
    // The first occurrence of a key is inserted; repeats inside the batch go through the duplicate/edit path.
    const firsts = new Map<string, PreparedMessage>();
    const repeats: PreparedMessage[] = [];
    for (const p of prepared) {
      if (firsts.has(p.key)) repeats.push(p);
      else firsts.set(p.key, p);
    }
    const candidates = [...firsts.values()];
    const inserted = guarded ? await this.batch.insertGuarded(tx, candidates, guarded) : await this.batch.insert(tx, candidates);
    const fresh = candidates.filter((p) => inserted.insertedKeys.has(p.key));
    const conflicts = candidates.filter((p) => !inserted.insertedKeys.has(p.key));

    const logs: LogEntry[] = [];
    // Updates in message order, after every signal of the batch exists.
    for (const p of fresh.filter((x) => x.parsed.kind === 'update').sort((a, b) => a.ts.getTime() - b.ts.getTime())) {
      logs.push(await applyUpdate(tx, p));
    }
    for (const p of fresh) outcomes[p.index] = { status: 'ok', skipped: false, signalId: inserted.signalIds.get(p.key) ?? null, kind: p.parsed.kind };
    for (const p of [...conflicts, ...repeats]) {
      outcomes[p.index] = p.m.editDate ? await applyEdit(tx, p, logs) : { status: 'ok', skipped: true, signalId: null };
    }
    if (logs.length) await tx.insert(ingestLogs).values(logs);
    return { outcomes, signalTypes: inserted.signalTypes };
  }

  /** See `reparseStoredMessages`. */
  reparse(options: ReparseOptions = {}) {
    return reparseStoredMessages(this.db, options);
  }
}

interface Stored {
  outcomes: IngestOutcome[];
  signalTypes: Array<string | null>;
}
