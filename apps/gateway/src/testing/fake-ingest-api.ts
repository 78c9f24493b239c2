import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GATEWAY_TOKEN_HEADER, MAX_BATCH_SIZE, MAX_INGEST_BODY_BYTES, validateIngestDeletion, validateIngestMessage, type IngestMessage } from '@tp/ingest-contract';

export interface FakeIngestApiOptions {
  token: string;
  /** Body limit in bytes (413 beyond it), as the real API's JSON parser; defaults to the contract's. */
  bodyLimit?: number;
  /** Messages whose storage fails: any request holding one answers 500, as one transaction would. */
  crashesOn?: (message: IngestMessage) => boolean;
  /** Batches larger than this get a batch-level 400 (models an API with a smaller batch cap). */
  maxBatchSize?: number;
}

/**
 * A stand-in for tp-capital-api's /ingest and /ingest/batch that behaves like it at the edges the
 * publisher must handle: the real contract validation (400, or `invalid` per item in a batch), a
 * body limit (413), a batch-level 400, and 500 for a message it cannot store. `status` forces
 * every answer (e.g. 503 while "down").
 */
export class FakeIngestApi {
  /** Stored messages by channel:message id, with how many times each was sent. */
  readonly stored = new Map<string, number>();
  /** Deleted messages by channel:message id, with how many times each deletion was sent. */
  readonly deleted = new Map<string, number>();
  /** Every request: path, body bytes, status answered and its X-Request-Id. */
  readonly requests: Array<{ path: string; bytes: number; count: number; status: number; requestId?: string }> = [];
  status: number | null = null;
  /** Forces the answer to deletions only (e.g. 500, or 400 to park one). */
  deletionStatus: number | null = null;
  private server: Server | null = null;

  constructor(private readonly options: FakeIngestApiOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      // Only the publisher's calls are recorded; anything else (the channel allow-list poll) is not this API's business.
      if (req.method !== 'POST' || !req.url?.startsWith('/ingest')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      void this.handle(req).then(({ status, body, bytes, count }) => {
        const requestId = req.headers['x-request-id'];
        this.requests.push({ path: req.url ?? '', bytes, count, status, requestId: typeof requestId === 'string' ? requestId : undefined });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  has(channelId: string, messageId: number): boolean {
    return this.stored.has(`${channelId}:${messageId}`);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; bytes: number; count: number }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const answer = (status: number, body: unknown, count = 0) => ({ status, body, bytes: raw.length, count });
    if (this.status !== null) return answer(this.status, { error: { code: 'forced', message: `forced ${this.status}`, details: [] } });
    if (req.headers[GATEWAY_TOKEN_HEADER.toLowerCase()] !== this.options.token) return answer(401, { error: { code: 'unauthorized', message: 'bad token', details: [] } });
    if (raw.length > (this.options.bodyLimit ?? MAX_INGEST_BODY_BYTES)) return answer(413, { error: { code: 'payload_too_large', message: 'request body too large', details: [] } });
    const body = JSON.parse(raw.toString('utf8')) as unknown;
    if (req.url === '/ingest/deletions') {
      if (this.deletionStatus !== null) return answer(this.deletionStatus, { error: { code: 'forced', message: `forced ${this.deletionStatus}`, details: [] } }, 1);
      const check = validateIngestDeletion(body);
      if (!check.ok) return answer(400, { error: { code: 'validation_failed', message: 'deletion does not match the ingest contract', details: check.errors } }, 1);
      const unknown = check.value.messageIds.filter((id) => !this.has(check.value.channelId, id));
      for (const id of check.value.messageIds) {
        const key = `${check.value.channelId}:${id}`;
        this.deleted.set(key, (this.deleted.get(key) ?? 0) + 1);
      }
      return answer(200, { status: 'ok', deleted: check.value.messageIds.filter((id) => !unknown.includes(id)), alreadyDeleted: [], unknown, signalIds: [] }, 1);
    }
    if (req.url === '/ingest') {
      const check = validateIngestMessage(body);
      if (!check.ok) return answer(400, { error: { code: 'validation_failed', message: 'message does not match the ingest contract', details: check.errors } }, 1);
      if (this.options.crashesOn?.(check.value)) return answer(500, { error: { code: 'internal_error', message: 'internal error', details: [] } }, 1);
      this.store(check.value);
      return answer(200, { status: 'ok', skipped: false }, 1);
    }
    const messages = (body as { messages?: unknown[] }).messages;
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > Math.min(MAX_BATCH_SIZE, this.options.maxBatchSize ?? MAX_BATCH_SIZE)) {
      return answer(400, { error: { code: 'validation_failed', message: 'not a batch this API accepts', details: [{ path: 'messages', message: 'wrong size' }] } });
    }
    const checks = messages.map((m) => validateIngestMessage(m));
    if (checks.some((c) => c.ok && this.options.crashesOn?.(c.value))) return answer(500, { error: { code: 'internal_error', message: 'internal error', details: [] } }, messages.length);
    const results = checks.map((c) => {
      if (!c.ok) return { status: 'invalid', errors: c.errors };
      this.store(c.value);
      return { status: 'ok', skipped: false };
    });
    return answer(200, { status: 'ok', results }, messages.length);
  }

  private store(message: IngestMessage): void {
    const key = `${message.channelId}:${message.messageId}`;
    this.stored.set(key, (this.stored.get(key) ?? 0) + 1);
  }
}
