import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PATHS } from './client';

export type FakeBehaviour = 'ok' | 'fail' | 'hang' | 'malformed';

export interface FakeGatewayRequest {
  path: string;
  token: string | undefined;
}

/**
 * A stand-in for the gateway's control endpoints as `client.ts` defines them (the gateway side is not
 * built yet). On reload it reads the allow-list from the API's `GET /gateway/channels`, as the gateway will.
 */
export async function startFakeGateway(options: { token: string; apiUrl?: () => string | undefined; messagesSynced?: number }) {
  let behaviour: FakeBehaviour = 'ok';
  const requests: FakeGatewayRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers[GATEWAY_TOKEN_HEADER.toLowerCase()] as string | undefined;
    requests.push({ path: req.url ?? '', token });
    if (token !== options.token) return reply(res, 401, { error: 'unauthorized' });
    if (behaviour === 'hang') return void hanging.add(res);
    if (behaviour === 'fail') return reply(res, 500, { error: 'boom' });
    if (behaviour === 'malformed') return reply(res, 200, { unexpected: true });
    if (req.url === CONTROL_PATHS.reloadChannels) {
      const api = options.apiUrl?.();
      if (!api) return reply(res, 200, { channels: [] });
      const allow = await fetch(`${api}/gateway/channels`, { headers: { [GATEWAY_TOKEN_HEADER]: options.token } });
      const body = (await allow.json()) as { channelIds: string[] };
      return reply(res, 200, { channels: body.channelIds });
    }
    if (req.url === CONTROL_PATHS.syncMessages) return reply(res, 200, { messagesSynced: options.messagesSynced ?? 0 });
    reply(res, 404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => void handle(req, res).catch(() => reply(res, 500, { error: 'fake failed' })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    behave(next: FakeBehaviour) {
      behaviour = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
