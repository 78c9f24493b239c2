import { GATEWAY_STATE_PATHS, GATEWAY_TOKEN_HEADER, type GatewayRequest, type GatewayRequestResult, type GatewayState } from '@tp/ingest-contract';

/**
 * How the stand-in behaves: `ok` answers every request; `silent` stops polling (a gateway that is
 * down or cut off); `failing` answers that it could not do it; `malformed` answers a body the API
 * cannot use.
 */
export type FakeBehaviour = 'ok' | 'silent' | 'failing' | 'malformed';

/** A request the stand-in picked up from the state, with the token of the poll that carried it. */
export interface PickedRequest extends GatewayRequest {
  token: string;
}

/**
 * A stand-in for the gateway as the API sees it: it long-polls `GET /gateway/state` with the gateway
 * token, answers each request it finds there (reload with the allow-list of that state, sync with
 * `messagesSynced`), and posts a status report once.
 */
export async function startFakeGateway(options: { token: string; apiUrl: () => string | undefined; messagesSynced?: number; waitSeconds?: number }) {
  let behaviour = 'ok' as FakeBehaviour;
  const requests: PickedRequest[] = [];
  const answered = new Set<string>();
  const stop = new AbortController();
  let etag: string | undefined;
  let reported = false;
  const headers = () => ({ 'content-type': 'application/json', [GATEWAY_TOKEN_HEADER]: options.token });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const resultFor = (request: GatewayRequest, state: GatewayState): GatewayRequestResult => {
    if (behaviour === 'failing') return { ok: false, error: 'the user client is not connected' };
    if (behaviour === 'malformed') return { ok: true, result: { unexpected: true } };
    if (request.kind === 'reload_channels') return { ok: true, result: { channels: state.channelIds } };
    if (request.kind === 'sync_messages') return { ok: true, result: { messagesSynced: options.messagesSynced ?? 0 } };
    return { ok: true, result: { channels: [] } };
  };

  const pollOnce = async (api: string) => {
    if (!reported) {
      const report = { startedAt: new Date().toISOString(), sources: { bot: { state: 'connected', lastError: null } }, channels: [], continuity: [], outbox: { pending: 0, dead: 0, oldestPendingAgeSeconds: 0 } };
      await fetch(`${api}${GATEWAY_STATE_PATHS.status}`, { method: 'PUT', headers: headers(), body: JSON.stringify(report), signal: stop.signal });
      reported = true;
    }
    const res = await fetch(`${api}${GATEWAY_STATE_PATHS.state}?wait=${options.waitSeconds ?? 1}`, { headers: { ...headers(), ...(etag ? { 'If-None-Match': etag } : {}) }, signal: stop.signal });
    if (res.status === 304) return;
    if (!res.ok) {
      await res.body?.cancel();
      return pause(50);
    }
    etag = res.headers.get('etag') ?? undefined;
    const state = (await res.json()) as GatewayState;
    for (const request of state.requests) {
      if (answered.has(request.id) || behaviour === 'silent') continue;
      answered.add(request.id);
      requests.push({ ...request, token: options.token });
      const answer = await fetch(`${api}${GATEWAY_STATE_PATHS.result(request.id)}`, { method: 'POST', headers: headers(), body: JSON.stringify(resultFor(request, state)), signal: stop.signal });
      await answer.body?.cancel();
    }
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      const api = options.apiUrl();
      try {
        if (behaviour === 'silent' || !api) await pause(20);
        else await pollOnce(api);
      } catch {
        if (!stop.signal.aborted) await pause(50);
      }
    }
  })();

  return {
    requests,
    behave(next: FakeBehaviour) {
      behaviour = next;
    },
    async close() {
      stop.abort();
      await loop;
    },
  };
}
