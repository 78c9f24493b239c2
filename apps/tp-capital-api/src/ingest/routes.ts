import { ingestBatchSchema, ingestMessageSchema, MAX_BATCH_SIZE, validateIngestMessage, type IngestMessage } from '@tp/ingest-contract';
import { HttpError, type RouteSpec, type Schema, bool, int, json, nullable, obj, str } from '@tp/service-kit';
import type { ApiMetrics } from '../metrics';
import type { IngestOutcome, IngestService } from './ingest-service';

/** A stored message: `signalId` when it created or kept a signal; a duplicate answers `{ status, skipped: true }` only. */
const storedResult: Schema = obj({ status: { const: 'ok' }, skipped: bool, signalId: nullable(int), edited: { const: true } }, ['signalId', 'edited']);
/** A batch item that breaks the contract: every violation, as `/ingest` would answer it. */
const invalidResult: Schema = obj({ status: { const: 'invalid' }, errors: { type: 'array', items: obj({ path: str, message: str }) } });

function countOutcomes(metrics: ApiMetrics, outcomes: IngestOutcome[]) {
  for (const o of outcomes) metrics.ingestionRequests.inc({ status: o.skipped ? 'duplicate' : 'success' });
}

/**
 * Stores, counting a database failure as an ingest error before the error handler answers 503.
 * What a message contains never fails this: unstorable derived data is stored as a parse warning.
 */
async function store(service: IngestService, metrics: ApiMetrics, messages: IngestMessage[]) {
  try {
    const outcomes = await service.ingest(messages);
    countOutcomes(metrics, outcomes);
    return outcomes;
  } catch (error) {
    metrics.ingestionRequests.inc({ status: 'error' }, messages.length);
    throw error;
  }
}

export function ingestRoutes(service: IngestService, metrics: ApiMetrics): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/ingest',
      summary: 'Store one Telegram message exactly once and parse its signal',
      tag: 'ingest',
      auth: 'gateway',
      bodyDescription: ingestMessageSchema,
      responses: {
        200: json('Stored, or skipped as a duplicate. A signal or update whose values cannot be stored is kept as the message with a parse warning', storedResult),
        400: 'The message breaks the ingest contract (every violation listed); nothing written',
        401: 'Missing or wrong X-Gateway-Token',
        503: 'Database unavailable or busy; retry',
      },
      handler: async ({ req, res }) => {
        const result = validateIngestMessage(req.body);
        if (!result.ok) {
          metrics.ingestionRequests.inc({ status: 'invalid' });
          throw new HttpError(400, 'validation_failed', 'message does not match the ingest contract', result.errors);
        }
        const [outcome] = await store(service, metrics, [result.value]);
        const { kind: _kind, ...body } = outcome;
        res.json(outcome.skipped ? { status: 'ok', skipped: true } : body);
      },
    },
    {
      method: 'post',
      path: '/ingest/batch',
      summary: `Store 1–${MAX_BATCH_SIZE} messages, answering per message: valid ones stored, invalid ones listed`,
      tag: 'ingest',
      auth: 'gateway',
      bodyDescription: ingestBatchSchema,
      responses: {
        200: json(
          'One result per message, in order: `{ status: "ok", skipped, signalId }` for a stored (or duplicate) message, ' +
            '`{ status: "invalid", errors }` for one that breaks the contract. The valid messages are stored even when others are invalid',
          obj({ status: { const: 'ok' }, results: { type: 'array', items: { oneOf: [storedResult, invalidResult] } } }),
        ),
        400: `Not a batch envelope ({ "messages": [1–${MAX_BATCH_SIZE} items] } and nothing else); nothing written`,
        401: 'Missing or wrong X-Gateway-Token',
        503: 'Database unavailable or busy; retry the whole batch (stored messages answer skipped)',
      },
      handler: async ({ req, res }) => {
        const body = req.body as { messages?: unknown };
        const extra = body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'messages') : [];
        if (!body || typeof body !== 'object' || !Array.isArray(body.messages) || extra.length) {
          metrics.ingestionRequests.inc({ status: 'invalid' });
          throw new HttpError(400, 'validation_failed', 'body must be { "messages": [ ... ] } and nothing else', [
            ...(Array.isArray(body?.messages) ? [] : [{ path: 'messages', message: 'must be an array' }]),
            ...extra.map((k) => ({ path: k, message: 'is not an allowed property' })),
          ]);
        }
        const count = body.messages.length;
        if (count < 1 || count > MAX_BATCH_SIZE) {
          metrics.ingestionRequests.inc({ status: 'invalid' });
          throw new HttpError(400, 'validation_failed', `a batch holds 1 to ${MAX_BATCH_SIZE} messages (got ${count})`, [
            { path: 'messages', message: `must contain 1 to ${MAX_BATCH_SIZE} items` },
          ]);
        }
        // Invalid messages are reported one by one; the valid ones are still stored.
        const results: unknown[] = new Array(count);
        const valid: Array<{ index: number; message: IngestMessage }> = [];
        body.messages.forEach((item, index) => {
          const check = validateIngestMessage(item);
          if (check.ok) valid.push({ index, message: check.value });
          else {
            metrics.ingestionRequests.inc({ status: 'invalid' });
            results[index] = { status: 'invalid', errors: check.errors };
          }
        });
        if (valid.length) {
          const outcomes = await store(service, metrics, valid.map((v) => v.message));
          outcomes.forEach(({ kind: _kind, ...o }, i) => (results[valid[i].index] = o.skipped ? { status: 'ok', skipped: true } : o));
        }
        res.json({ status: 'ok', results });
      },
    },
  ];
}
