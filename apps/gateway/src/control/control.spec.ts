import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayStatusReport } from '@tp/ingest-contract';
import { until } from '@tp/testing';
import winston from 'winston';
import type { UserSource } from '../sources/user-source';
import { RequestRunner } from './request-runner';
import { StatusReporter } from './status-reporter';

const TOKEN = 'gateway-token-0123456789abcdef0123456789abcdef';
const logger = winston.createLogger({ silent: true });

/** Records what the gateway sends the API; answers `status` (200 unless told otherwise). */
let received: Array<{ method: string; path: string; token: string | undefined; body: unknown }> = [];
let status = 200;
let server: Server;
let url: string;

beforeEach(async () => {
  received = [];
  status = 200;
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', token: req.headers['x-gateway-token'] as string | undefined, body: JSON.parse(text || 'null') });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

const api = () => ({ endpoints: ['http://127.0.0.1:1', url], token: TOKEN, timeoutMs: 2_000 });
const request = (kind: 'reload_channels' | 'sync_messages' | 'fill_gaps', id = '00000000-0000-4000-8000-000000000001') => ({ id, kind, expiresAt: new Date(Date.now() + 10_000).toISOString() });

describe('RequestRunner', () => {
  it('answers that it could not do a request, with the reason, when carrying it out fails', async () => {
    const user = { fillGaps: async () => Promise.reject(new Error('FLOOD_WAIT beyond the limit')) } as unknown as UserSource;
    const runner = new RequestRunner({ api: api(), channels: () => [], userSource: user, logger });
    runner.handle([request('fill_gaps')]);
    await until(() => received.length === 1, { timeoutMs: 5_000 });
    await runner.stop();
    expect(received[0]).toEqual({ method: 'POST', path: '/gateway/requests/00000000-0000-4000-8000-000000000001/result', token: TOKEN, body: { ok: false, error: 'FLOOD_WAIT beyond the limit' } });
  });

  it('keeps delivering an answer the API did not take while the request is still awaited', async () => {
    status = 503;
    const runner = new RequestRunner({ api: api(), channels: () => ['-1001'], logger });
    runner.handle([request('reload_channels')]);
    await until(() => received.length >= 2, { timeoutMs: 5_000 });
    status = 200;
    await runner.stop();
    expect(received.every((r) => JSON.stringify(r.body) === JSON.stringify({ ok: true, result: { channels: ['-1001'] } }))).toBe(true);
  });
});

describe('StatusReporter', () => {
  it('reports at start and on every interval, with the gateway token', async () => {
    const report: GatewayStatusReport = { startedAt: new Date().toISOString(), sources: { bot: { state: 'connected', lastError: null } }, channels: ['-1001'], continuity: [], outbox: { pending: 0, dead: 0, oldestPendingAgeSeconds: 0 } };
    const reporter = new StatusReporter({ api: api(), intervalMs: 1_000, build: () => report, logger });
    reporter.start();
    await until(() => received.length >= 2, { timeoutMs: 5_000 });
    reporter.stop();
    expect(received[0]).toEqual({ method: 'PUT', path: '/gateway/status', token: TOKEN, body: report });
  });
});
