import { forwardedMessages, ingestLogs, signals, sqlState, type Database } from '@tp/db-schema';
import { ingestDeletionSchema, MAX_DELETION_IDS, validateIngestDeletion, type IngestDeletion } from '@tp/ingest-contract';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { HttpError, type RouteSpec, int, json, obj } from '@tp/service-kit';
import { ContentionError } from '../domain/errors';

/** What a deletion changed; every id of the request is in exactly one of the three lists. */
export interface DeletionOutcome {
  /** Messages marked deleted by this request. */
  deleted: number[];
  /** Messages already marked by an earlier delivery of the same deletion (their `deleted_at` is kept). */
  alreadyDeleted: number[];
  /** Ids with no stored message in the channel (never ingested, or not yet). */
  unknown: number[];
  /** Signals of the deleted messages marked by this request. */
  signalIds: number[];
}

const MAX_ATTEMPTS = 3;

/**
 * Records that Telegram deleted messages: `deleted_at` on each stored message and on its signal,
 * in one transaction. Rows are never removed, and a signal keeps its status (its trade lifecycle
 * still happened; `deleted_at` says the channel withdrew the post). A repeated deletion changes
 * nothing, so the gateway may redeliver it.
 */
export async function recordDeletion(db: Database, deletion: IngestDeletion): Promise<DeletionOutcome> {
  // Sorted so concurrent deletions lock rows in the same order.
  const ids = [...deletion.messageIds].sort((a, b) => a - b);
  const at = new Date(deletion.deletedAt);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const marked = await tx
          .update(forwardedMessages)
          .set({ deletedAt: at, updatedAt: sql`now()` })
          .where(and(eq(forwardedMessages.channelId, deletion.channelId), inArray(forwardedMessages.messageId, ids), isNull(forwardedMessages.deletedAt)))
          .returning({ messageId: forwardedMessages.messageId });
        const markedSignals = await tx
          .update(signals)
          .set({ deletedAt: at, updatedAt: sql`now()` })
          .where(and(eq(signals.channelId, deletion.channelId), inArray(signals.messageId, ids), isNull(signals.deletedAt)))
          .returning({ id: signals.id, messageId: signals.messageId });
        const known = await tx
          .select({ messageId: forwardedMessages.messageId })
          .from(forwardedMessages)
          .where(and(eq(forwardedMessages.channelId, deletion.channelId), inArray(forwardedMessages.messageId, ids)));
        const deleted = new Set(marked.map((r) => Number(r.messageId)));
        const stored = new Set(known.map((r) => Number(r.messageId)));
        if (deleted.size) {
          const signalOf = new Map(markedSignals.map((s) => [Number(s.messageId), s.id]));
          await tx.insert(ingestLogs).values(
            [...deleted].map((messageId) => ({
              level: 'info',
              event: 'message_deleted',
              message: 'message deleted in Telegram; kept and marked deleted',
              channelId: deletion.channelId,
              messageId,
              details: { deletedAt: at.toISOString(), signalId: signalOf.get(messageId) ?? null },
            })),
          );
        }
        return {
          deleted: ids.filter((id) => deleted.has(id)),
          alreadyDeleted: ids.filter((id) => stored.has(id) && !deleted.has(id)),
          unknown: ids.filter((id) => !stored.has(id)),
          signalIds: markedSignals.map((s) => s.id).sort((a, b) => a - b),
        };
      });
    } catch (error) {
      const state = sqlState(error);
      if ((state === '40P01' || state === '40001') && attempt < MAX_ATTEMPTS) continue;
      if (state === '40P01' || state === '40001') throw new ContentionError(error);
      throw error;
    }
  }
}

const idList = { type: 'array', items: int };

export function deletionRoutes(db: Database): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/ingest/deletions',
      summary: `Record that Telegram deleted 1–${MAX_DELETION_IDS} messages of a channel (rows are kept and marked, never removed)`,
      tag: 'ingest',
      auth: 'gateway',
      bodyDescription: ingestDeletionSchema,
      responses: {
        200: json(
          'Recorded. Each id is listed once: `deleted` (marked now, with its signal), `alreadyDeleted` (a repeat; nothing changed) or `unknown` (no stored message). ' +
            '`signalIds`: the signals marked now; a signal keeps its status and gets `deleted_at`',
          obj({ status: { const: 'ok' }, deleted: idList, alreadyDeleted: idList, unknown: idList, signalIds: idList }),
        ),
        400: 'The deletion breaks the ingest contract (every violation listed); nothing written',
        401: 'Missing or wrong X-Gateway-Token',
        503: 'Database unavailable or busy; retry',
      },
      handler: async ({ req, res }) => {
        const result = validateIngestDeletion(req.body);
        if (!result.ok) throw new HttpError(400, 'validation_failed', 'deletion does not match the ingest contract', result.errors);
        res.json({ status: 'ok', ...(await recordDeletion(db, result.value)) });
      },
    },
  ];
}
