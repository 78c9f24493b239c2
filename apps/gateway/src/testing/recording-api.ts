import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngestMessage } from '@tp/ingest-contract';

/** A stand-in for tp-capital-api that records every message it is sent (for crash tests). */
export class RecordingApi {
  readonly received = new Map<string, number>();
  /** Deleted messages by channel:message id, with how many times each deletion was sent. */
  readonly deleted = new Map<string, number>();
  /** The X-Request-Id of every request, in arrival order. */
  readonly requestIds: string[] = [];
  requests = 0;
  private server: Server | null = null;

  constructor(private readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        // Only the publisher's calls are recorded; anything else (the channel allow-list poll) is not this API's business.
        if (req.method !== 'POST' || !req.url?.startsWith('/ingest')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        this.requests++;
        this.requestIds.push(String(req.headers['x-request-id'] ?? ''));
        if (req.headers['x-gateway-token'] !== this.token) return void res.writeHead(401).end('{}');
        const parsed = JSON.parse(body);
        if (req.url === '/ingest/deletions') {
          for (const id of parsed.messageIds as number[]) {
            const key = `${parsed.channelId}:${id}`;
            this.deleted.set(key, (this.deleted.get(key) ?? 0) + 1);
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ status: 'ok', deleted: parsed.messageIds, alreadyDeleted: [], unknown: [], signalIds: [] }));
        }
        const messages: IngestMessage[] = req.url === '/ingest/batch' ? parsed.messages : [parsed];
        for (const m of messages) {
          const key = `${m.channelId}:${m.messageId}`;
          this.received.set(key, (this.received.get(key) ?? 0) + 1);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/ingest/batch' ? { status: 'ok', results: messages.map(() => ({ status: 'ok', skipped: false })) } : { status: 'ok', skipped: false }));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  get duplicates(): number {
    let n = 0;
    for (const count of this.received.values()) n += count - 1;
    return n;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
