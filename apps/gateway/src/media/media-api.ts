import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';

/** The API's answer to a media call: done, refused for good (with why), or not answered (retry). */
export type MediaApiResult = { ok: true } | { ok: false; permanent: boolean; reason: string };

export interface MediaApi {
  upload(sha256: string, bytes: Buffer, signal: AbortSignal): Promise<MediaApiResult>;
  report(state: { fileUniqueId: string; status: 'stored' | 'failed'; sha256?: string; reason?: string }, signal: AbortSignal): Promise<MediaApiResult>;
}

/** 401 (wrong token), 408, 429 and 5xx are the API's state, not the file's: retried. Other 4xx are final. */
const isPermanent = (status: number) => status >= 400 && status < 500 && ![401, 408, 429].includes(status);

/**
 * `PUT /media/<sha256>` and `POST /media/status` on the first endpoint that answers, with the
 * gateway token. A refusal names the API's error code and message (never the token).
 */
export function httpMediaApi(options: { endpoints: string[]; token: string; timeoutMs: number }): MediaApi {
  const call = async (pathname: string, init: RequestInit, signal: AbortSignal): Promise<MediaApiResult> => {
    let last = 'no API endpoint';
    for (const endpoint of options.endpoints) {
      try {
        const res = await fetch(`${endpoint.replace(/\/+$/, '')}${pathname}`, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), [GATEWAY_TOKEN_HEADER]: options.token },
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        });
        if (res.ok) {
          await res.arrayBuffer();
          return { ok: true };
        }
        const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
        const reason = `refused by the API: ${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.replace(/\s+/g, ' ').trim();
        if (isPermanent(res.status)) return { ok: false, permanent: true, reason };
        last = reason;
      } catch (error) {
        if (signal.aborted) throw error;
        last = `API unreachable: ${(error as Error).message}`;
      }
    }
    return { ok: false, permanent: false, reason: last };
  };
  return {
    upload: (sha256, bytes, signal) => call(`/media/${sha256}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes }, signal),
    report: (state, signal) => call('/media/status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(state) }, signal),
  };
}
