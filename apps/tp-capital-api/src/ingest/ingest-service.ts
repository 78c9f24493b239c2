import { ingestLogs, sqlState, type Database } from '@tp/db-schema';
import { ContentionError } from '../domain/errors';
import type { IngestMessage } from '@tp/ingest-contract';
import { applyLifecycleUpdate, type LogEntry } from '../lifecycle/signal-lifecycle';
import { updatesOf } from '../parser/signal-parser';
import { BatchStore } from './batch-store';
import { isDerivedDataRefusal, refusalWarning, withSavepoint } from './derived-guard';
import { applyEdit } from './edits';
import { markParseWarning, prepareMessages, type PreparedMessage } from './message-rows';
import type { IngestOutcome } from './outcome';
import { reparseStoredMessages, type ReparseOptions } from './reparse';

export type { IngestOutcome } from './outcome';

export interface IngestEvents {
  signalInserted(signalType: string | null): void;
}


const MAX_ATTEMPTS = 3;

/**
 * Stores messages exactly once and derives signals and lifecycle events from them. Storing a
 * contract-valid message is unconditional: a derived value that cannot be stored (checked against
 * its column first, guarded by a savepoint second) becomes a parse warning on the message; only
 * database failures fail the call.
 */
export class IngestService {
  private readonly batch: BatchStore;

  constructor(
    private readonly db: Database,
    events: IngestEvents,
    options: { preparedStatements?: boolean } = {},
  ) {
    this.batch = new BatchStore((type) => events.signalInserted(type), options.preparedStatements ?? false);
  }

  async ingest(messages: IngestMessage[]): Promise<IngestOutcome[]> {
    // The common case (new messages, new signals, commentary) is one atomic statement. Updates and
    // edits read and change other rows, so those batches run in a transaction.
    // Concurrent batches touching the same keys can deadlock or fail serialisation: such a batch is retried.
    for (let attempt = 1; ; attempt++) {
      // Parsed afresh on each attempt: a rolled-back attempt may have turned some into warnings.
      const prepared = prepareMessages(messages);
      const needsTransaction = prepared.some((p) => p.parsed.kind === 'update' || p.m.editDate);
      try {
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
        return await this.db.transaction((tx) => this.store(tx, prepared, { alreadyRefused: refused }));
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

  /** `guarded`: in a transaction, with savepoints (see `BatchStore.insertGuarded`); null: the one atomic statement. */
  private async store(tx: Database, prepared: PreparedMessage[], guarded: { alreadyRefused: boolean } | null): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = new Array(prepared.length);
    // The first occurrence of a key is inserted; repeats inside the batch go through the duplicate/edit path.
    const firsts = new Map<string, PreparedMessage>();
    const repeats: PreparedMessage[] = [];
    for (const p of prepared) {
      if (firsts.has(p.key)) repeats.push(p);
      else firsts.set(p.key, p);
    }
    const candidates = [...firsts.values()];
    const { insertedKeys, signalIds } = guarded ? await this.batch.insertGuarded(tx, candidates, guarded) : await this.batch.insert(tx, candidates);
    const fresh = candidates.filter((p) => insertedKeys.has(p.key));
    const conflicts = candidates.filter((p) => !insertedKeys.has(p.key));

    const logs: LogEntry[] = [];
    // Updates in message order, after every signal of the batch exists.
    for (const p of fresh.filter((x) => x.parsed.kind === 'update').sort((a, b) => a.ts.getTime() - b.ts.getTime())) {
      logs.push(await this.applyUpdate(tx, p));
    }
    for (const p of fresh) outcomes[p.index] = { status: 'ok', skipped: false, signalId: signalIds.get(p.key) ?? null, kind: p.parsed.kind };
    for (const p of [...conflicts, ...repeats]) {
      outcomes[p.index] = p.m.editDate ? await applyEdit(tx, p, logs) : { status: 'ok', skipped: true, signalId: null };
    }
    if (logs.length) await tx.insert(ingestLogs).values(logs);
    return outcomes;
  }

  /** Applies a lifecycle update in a savepoint; a refused one leaves the message stored with a warning. */
  private async applyUpdate(tx: Database, p: PreparedMessage): Promise<LogEntry> {
    if (p.parsed.kind !== 'update') throw new Error('applyUpdate needs an update');
    const updates = updatesOf(p.parsed);
    const applied = await withSavepoint(tx, (sp) => applyLifecycleUpdate(sp, p.m, p.ts, updates));
    if (applied.ok) return applied.value;
    const warning = refusalWarning('update not applied:', applied.error);
    p.parsed = { kind: 'warning', warning };
    await markParseWarning(tx, { channelId: p.m.channelId, messageId: p.m.messageId, ts: p.ts }, warning);
    return { level: 'warn', event: 'parse_warning', message: warning, channelId: p.m.channelId, messageId: p.m.messageId };
  }

  /** See `reparseStoredMessages`. */
  reparse(options: ReparseOptions = {}) {
    return reparseStoredMessages(this.db, options);
  }
}
