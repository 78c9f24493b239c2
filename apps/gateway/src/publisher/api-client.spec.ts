import type { IngestMessage } from '@tp/ingest-contract';
import nock from 'nock';
import { IngestApiClient } from './api-client';

// nock fakes the API: these tests are about how the client reads its answers.
const API = 'http://api.test:4005';
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const msg = (messageId: number): IngestMessage => ({ channelId: '-1001', messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'bot' });
const client = (splits: Array<[number, number]> = []) => new IngestApiClient({ endpoints: [API], token: TOKEN, timeoutMs: 500, onSplit: (status, size) => splits.push([status, size]) });

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('IngestApiClient', () => {
  it.each([
    [500, { kind: 'server_error', reason: 'http_500' }],
    [501, { kind: 'server_error', reason: 'http_501' }],
    [502, { kind: 'unavailable', reason: 'http_502' }],
    [503, { kind: 'unavailable', reason: 'http_503' }],
    [504, { kind: 'unavailable', reason: 'http_504' }],
    [429, { kind: 'unavailable', reason: 'http_429' }],
    [401, { kind: 'unauthorized' }],
  ])('reads a %i as a failure of the request, not of the message', async (status, failure) => {
    nock(API).post('/ingest').reply(status, {});
    expect(await client().deliver([msg(1)])).toEqual({ results: [], failure });
  });

  it('reports a message refused on its own, with the reason the API gave', async () => {
    nock(API).post('/ingest').reply(400, { error: { message: 'message does not match the ingest contract', details: [{ path: 'timestamp', message: 'must be a UTC timestamp' }] } });
    expect(await client().deliver([msg(1)])).toEqual({ results: [{ status: 'rejected', reason: 'message does not match the ingest contract; timestamp must be a UTC timestamp' }] });
  });

  it('splits a batch answered 413 in halves and joins the answers in order', async () => {
    const splits: Array<[number, number]> = [];
    nock(API).post('/ingest/batch', (b) => b.messages.length === 4).reply(413, { error: { code: 'payload_too_large' } });
    nock(API)
      .post('/ingest/batch', (b) => b.messages.length === 2)
      .times(2)
      .reply(200, (_uri, body) => ({ status: 'ok', results: (body as { messages: IngestMessage[] }).messages.map((m) => (m.messageId === 3 ? { status: 'invalid', errors: [{ path: 'text', message: 'bad' }] } : { status: 'ok' })) }));
    const report = await client(splits).deliver([msg(1), msg(2), msg(3), msg(4)]);
    expect(report).toEqual({ results: [{ status: 'ok' }, { status: 'ok' }, { status: 'rejected', reason: 'text bad' }, { status: 'ok' }] });
    expect(splits).toEqual([[413, 4]]);
  });

  it('stops at the first half that gets no answer, leaving the rest unanswered', async () => {
    nock(API).post('/ingest/batch').reply(400, { error: { message: 'not a batch' } });
    nock(API).post('/ingest').reply(200, { status: 'ok' });
    nock(API).post('/ingest').reply(503, {});
    expect(await client().deliver([msg(1), msg(2)])).toEqual({ results: [{ status: 'ok' }], failure: { kind: 'unavailable', reason: 'http_503' } });
  });

  it('marks a message the batch answer does not account for as not stored', async () => {
    nock(API).post('/ingest/batch').reply(200, { status: 'ok', results: [{ status: 'ok' }, { status: 'error' }] });
    expect((await client().deliver([msg(1), msg(2), msg(3)])).results).toEqual([{ status: 'ok' }, { status: 'failed', reason: 'item status error' }, { status: 'failed', reason: 'no result for this message' }]);
  });
});
