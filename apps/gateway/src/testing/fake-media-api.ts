import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';

/**
 * A stand-in for tp-capital-api's `PUT /media/<sha256>` and `POST /media/status` at the edges the
 * media worker must handle: the token, the hash check (400), a forced status (503 while "down").
 */
export class FakeMediaApi {
  /** Stored bytes by sha-256, and how many uploads each got. */
  readonly stored = new Map<string, Buffer>();
  readonly uploads = new Map<string, number>();
  /** Every status report, in order. */
  readonly reports: Array<{ fileUniqueId: string; status: string; sha256?: string; reason?: string }> = [];
  status: number | null = null;
  private server: Server | null = null;

  constructor(private readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const error = (status: number, code: string) => ({ status, body: { error: { code, message: code, details: [] } } });
    if (this.status !== null) return error(this.status, 'forced');
    if (req.headers[GATEWAY_TOKEN_HEADER.toLowerCase()] !== this.token) return error(401, 'unauthorized');
    const put = req.method === 'PUT' && req.url?.match(/^\/media\/([0-9a-f]{64})$/);
    if (put) {
      if (createHash('sha256').update(raw).digest('hex') !== put[1]) return error(400, 'sha256_mismatch');
      this.uploads.set(put[1], (this.uploads.get(put[1]) ?? 0) + 1);
      const created = !this.stored.has(put[1]);
      this.stored.set(put[1], raw);
      return { status: created ? 201 : 200, body: { status: 'stored', sha256: put[1], created } };
    }
    if (req.method === 'POST' && req.url === '/media/status') {
      const body = JSON.parse(raw.toString('utf8')) as FakeMediaApi['reports'][number];
      if (body.status === 'stored' && !this.stored.has(body.sha256 ?? '')) return error(409, 'media_not_stored');
      this.reports.push(body);
      return { status: 200, body: { status: 'ok' } };
    }
    return error(404, 'not_found');
  }
}
