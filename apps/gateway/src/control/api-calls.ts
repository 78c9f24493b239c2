import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';

export interface ApiCallOptions {
  /** The API base URLs, tried in order (the publisher's failover list). */
  endpoints: string[];
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * Sends one JSON body to the API, endpoint after endpoint until one answers; resolves with the
 * HTTP status of that answer (a 4xx is an answer), rejects when none answered.
 */
export async function sendToApi(options: ApiCallOptions, method: 'POST' | 'PUT', path: string, body: unknown): Promise<number> {
  const doFetch = options.fetch ?? fetch;
  const errors: string[] = [];
  for (const base of options.endpoints) {
    try {
      const res = await doFetch(`${base.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { 'content-type': 'application/json', [GATEWAY_TOKEN_HEADER]: options.token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status < 500) return res.status;
      errors.push(`${base}: HTTP ${res.status}`);
    } catch (error) {
      errors.push(`${base}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no API endpoint answered ${method} ${path} (${errors.join('; ')})`);
}
