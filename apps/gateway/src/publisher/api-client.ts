import { GATEWAY_TOKEN_HEADER, type IngestDeletion, type IngestMessage } from '@tp/ingest-contract';
import { deletionRequestId, publishRequestId } from './request-id';

/** Header naming the messages of a publish; the API logs it with its access line. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

export interface ApiClientOptions {
  endpoints: string[];
  token: string;
  timeoutMs: number;
  /** Aborts requests in flight (shutdown). */
  signal?: AbortSignal;
  /** Called when a batch is split because the API refused it as a whole (413, batch-level 400). */
  onSplit?: (status: number, size: number) => void;
  /** Called after every HTTP request with its id and outcome (for the publish log). */
  onRequest?: (request: PublishRequest) => void;
}

/** One HTTP request of a publish, as logged: its id names its messages (see request-id.ts). */
export interface PublishRequest {
  requestId: string;
  path: string;
  /** Messages (or deleted ids) it carried. */
  count: number;
  outcome: PublishOutcome;
  /** HTTP status, absent when no answer came (network, timeout). */
  status?: number;
  endpoint: string;
  detail?: string;
  durationMs: number;
}

/** What became of one message the API answered for. */
export type ItemResult =
  | { status: 'ok' }
  /** The API refused this message on its own (400/413 to it alone, or `invalid` in a batch answer). */
  | { status: 'rejected'; reason: string }
  /** The API answered for the batch but did not store this one (an item status it did not explain). */
  | { status: 'failed'; reason: string };

/** Why a request got no answer about its messages. */
export type RequestFailure =
  | { kind: 'unauthorized' }
  /** The API is down or overloaded (network, timeout, 502/503/504, 429): nothing to learn about the messages. */
  | { kind: 'unavailable'; reason: string }
  /** The API answered 5xx while up: possibly because of what one message contains. */
  | { kind: 'server_error'; reason: string };

/**
 * Results for the first `results.length` messages, in order; when `failure` is set, the rest got
 * no answer (they stay pending).
 */
export interface DeliveryReport {
  results: ItemResult[];
  failure?: RequestFailure;
}

export type PublishOutcome = 'ok' | 'rejected' | 'unauthorized' | 'unavailable' | 'server_error';

/** What became of a deletion: a result when the API answered for it, else why the request failed. */
export type DeletionReport = { result: Exclude<ItemResult, { status: 'failed' }>; body?: unknown; failure?: undefined } | { result?: undefined; failure: RequestFailure };

export interface LastPublish {
  at: string;
  outcome: PublishOutcome;
  detail?: string;
  endpoint?: string;
  requestId?: string;
}

type Answer = { kind: 'ok'; body: unknown } | { kind: 'rejected'; status: number; body: unknown } | RequestFailure;

/** Byte size of the JSON body of `/ingest/batch` for messages of these serialized sizes. */
export const BATCH_ENVELOPE_BYTES = Buffer.byteLength('{"messages":[]}');

/**
 * The HTTP side of publishing: POST /ingest for one message, /ingest/batch for several, with the
 * gateway token, a timeout, and failover across endpoints (sticking with the last one that
 * answered). A batch the API refuses as a whole (413, or a 400 about the batch) is split in halves
 * and each half sent again, down to single messages; only a message refused on its own is
 * reported rejected.
 */
export class IngestApiClient {
  private endpointIndex = 0;
  last: LastPublish | null = null;

  constructor(private readonly options: ApiClientOptions) {}

  async deliver(messages: IngestMessage[]): Promise<DeliveryReport> {
    if (messages.length === 0) return { results: [] };
    if (messages.length === 1) {
      const answer = await this.send('/ingest', messages[0], publishRequestId(messages), 1);
      if (answer.kind === 'ok') return { results: [{ status: 'ok' }] };
      if (answer.kind === 'rejected') return { results: [{ status: 'rejected', reason: describeRejection(answer.status, answer.body) }] };
      return { results: [], failure: answer };
    }
    const answer = await this.send('/ingest/batch', { messages }, publishRequestId(messages), messages.length);
    if (answer.kind === 'ok') return { results: itemResults(answer.body, messages.length) };
    if (answer.kind !== 'rejected') return { results: [], failure: answer };
    this.options.onSplit?.(answer.status, messages.length);
    const middle = Math.ceil(messages.length / 2);
    const left = await this.deliver(messages.slice(0, middle));
    if (left.failure) return left;
    const right = await this.deliver(messages.slice(middle));
    return { results: [...left.results, ...right.results], failure: right.failure };
  }

  /**
   * Sends one deletion to POST /ingest/deletions. The API answers for it as a whole: stored (also
   * when repeated), refused by the contract (400), or a failure retried like a message's.
   */
  async deleteMessages(deletion: IngestDeletion): Promise<DeletionReport> {
    const answer = await this.send('/ingest/deletions', deletion, deletionRequestId(deletion), deletion.messageIds.length);
    if (answer.kind === 'ok') return { result: { status: 'ok' }, body: answer.body };
    if (answer.kind === 'rejected') return { result: { status: 'rejected', reason: describeRejection(answer.status, answer.body) } };
    return { failure: answer };
  }

  /** One POST, trying each endpoint in turn (starting with the last one that answered). */
  private async send(pathName: string, body: IngestMessage | { messages: IngestMessage[] } | IngestDeletion, requestId: string, count: number): Promise<Answer> {
    const payload = JSON.stringify(body);
    let last: Answer = { kind: 'unavailable', reason: 'no_endpoint' };
    for (let i = 0; i < this.options.endpoints.length; i++) {
      const index = (this.endpointIndex + i) % this.options.endpoints.length;
      const endpoint = this.options.endpoints[index].replace(/\/+$/, '');
      const started = performance.now();
      const { answer, status } = await this.post(`${endpoint}${pathName}`, payload, requestId);
      last = answer;
      const detail = last.kind === 'unavailable' || last.kind === 'server_error' ? last.reason : undefined;
      this.last = { at: new Date().toISOString(), outcome: last.kind, endpoint, detail, requestId };
      this.options.onRequest?.({ requestId, path: pathName, count, outcome: last.kind, status, endpoint, detail, durationMs: Math.round(performance.now() - started) });
      if (last.kind !== 'unavailable') {
        this.endpointIndex = index;
        return last;
      }
    }
    return last;
  }

  private async post(url: string, payload: string, requestId: string): Promise<{ answer: Answer; status?: number }> {
    const signals = [AbortSignal.timeout(this.options.timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_TOKEN_HEADER]: this.options.token, [REQUEST_ID_HEADER]: requestId },
        body: payload,
        signal: AbortSignal.any(signals),
      });
      const text = await res.text();
      return { answer: classify(res.status, text), status: res.status };
    } catch (error) {
      const name = (error as Error).name;
      return { answer: { kind: 'unavailable', reason: name === 'TimeoutError' ? 'timeout' : name === 'AbortError' ? 'shutdown' : 'network' } };
    }
  }
}

function classify(status: number, text: string): Answer {
  if (status === 200) return { kind: 'ok', body: safeJson(text) };
  if (status === 400 || status === 413) return { kind: 'rejected', status, body: safeJson(text) };
  if (status === 401) return { kind: 'unauthorized' };
  // 503 is the API's "database unavailable"; 502/504 come from a proxy in front of a down API.
  if (status >= 500 && ![502, 503, 504].includes(status)) return { kind: 'server_error', reason: `http_${status}` };
  return { kind: 'unavailable', reason: `http_${status}` };
}

/** The per-message answer of /ingest/batch: `ok`, or `invalid` with the violations. */
function itemResults(body: unknown, count: number): ItemResult[] {
  const results = (body as { results?: unknown })?.results;
  const list = Array.isArray(results) ? results : [];
  return Array.from({ length: count }, (_, i): ItemResult => {
    const r = list[i] as { status?: unknown; errors?: unknown; error?: unknown } | undefined;
    if (r?.status === 'ok') return { status: 'ok' };
    if (r?.status === 'invalid' || r?.status === 'rejected') return { status: 'rejected', reason: describeRejection(400, { error: { details: r.errors, message: typeof r.error === 'string' ? r.error : undefined } }) };
    return { status: 'failed', reason: r ? `item status ${String(r.status)}` : 'no result for this message' };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 500) };
  }
}

function describeRejection(status: number, body: unknown): string {
  const error = (body as { error?: { message?: string; details?: Array<{ path?: string; message?: string }> } })?.error;
  const details = (Array.isArray(error?.details) ? error.details : []).map((d) => `${d.path ?? ''} ${d.message ?? ''}`.trim());
  return [error?.message, ...details].filter(Boolean).join('; ') || (status === 413 ? 'message larger than the API body limit' : 'rejected by the API');
}
