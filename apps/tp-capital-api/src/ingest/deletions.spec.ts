import { forwardedMessages, ingestLogs, queryRows, signals } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { useTestApp, GATEWAY_TOKEN, message, SIGNAL_TEXT } from '../testing/test-app';

const api = useTestApp();


const CHANNEL = '-1001649127710';
const post = (path: string, body: unknown) => request(api.app).post(path).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body as object);
const deletion = (messageIds: number[], deletedAt = '2025-10-24T14:00:00.000Z', channelId = CHANNEL) => ({ channelId, messageIds, deletedAt, source: 'user_client' });
const messageRows = (ids: number[]) =>
  queryRows<{ message_id: string; deleted_at: Date | null; text: string }>(
    api.database.db,
    sql`select message_id, deleted_at, text from ${forwardedMessages} where channel_id = ${CHANNEL} and message_id in ${ids} order by message_id`,
  );
const signalRow = (id: number) => queryRows<{ deleted_at: Date | null; status: string }>(api.database.db, sql`select deleted_at, status from ${signals} where id = ${id}`).then((r) => r[0]);

describe('POST /ingest/deletions', () => {
  it('marks the message and its signal deleted, keeps both rows, and reports unknown ids', async () => {
    const signalMessage = message({ text: SIGNAL_TEXT });
    const comment = message({ text: 'Bom dia' });
    const { signalId } = (await post('/ingest', signalMessage).expect(200)).body;
    await post('/ingest', comment).expect(200);

    const res = await post('/ingest/deletions', deletion([comment.messageId as number, signalMessage.messageId as number, 999_999_001])).expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      deleted: [signalMessage.messageId, comment.messageId].sort((a, b) => (a as number) - (b as number)),
      alreadyDeleted: [],
      unknown: [999_999_001],
      signalIds: [signalId],
    });

    const rows = await messageRows([signalMessage.messageId as number, comment.messageId as number]);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(new Date(row.deleted_at as Date).toISOString()).toBe('2025-10-24T14:00:00.000Z');
    const signal = await signalRow(signalId);
    expect(new Date(signal.deleted_at as Date).toISOString()).toBe('2025-10-24T14:00:00.000Z');
    expect(signal.status).toBe('open');
    const logged = await queryRows<{ message_id: string }>(api.database.db, sql`select message_id from ${ingestLogs} where event = 'message_deleted' and message_id = ${signalMessage.messageId}`);
    expect(logged).toHaveLength(1);
  });

  it('is idempotent: a repeated deletion changes nothing and keeps the first deletion time', async () => {
    const m = message({ text: SIGNAL_TEXT });
    const { signalId } = (await post('/ingest', m).expect(200)).body;
    await post('/ingest/deletions', deletion([m.messageId as number])).expect(200);
    const again = await post('/ingest/deletions', deletion([m.messageId as number], '2025-10-25T09:00:00.000Z')).expect(200);
    expect(again.body).toEqual({ status: 'ok', deleted: [], alreadyDeleted: [m.messageId], unknown: [], signalIds: [] });
    const [row] = await messageRows([m.messageId as number]);
    expect(new Date(row.deleted_at as Date).toISOString()).toBe('2025-10-24T14:00:00.000Z');
    expect(new Date((await signalRow(signalId)).deleted_at as Date).toISOString()).toBe('2025-10-24T14:00:00.000Z');
  });

  it('answers concurrent deliveries of one deletion with a single mark', async () => {
    const m = message({ text: 'apagada' });
    await post('/ingest', m).expect(200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post('/ingest/deletions', deletion([m.messageId as number]))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.body.deleted.length === 1)).toHaveLength(1);
  });

  it('touches only the named channel', async () => {
    const mine = message({ text: 'minha' });
    const other = { ...mine, channelId: '-1009999999999' };
    await post('/ingest', mine).expect(200);
    await post('/ingest', other).expect(200);
    await post('/ingest/deletions', deletion([mine.messageId as number], undefined, '-1009999999999')).expect(200);
    const [row] = await messageRows([mine.messageId as number]);
    expect(row.deleted_at).toBeNull();
  });

  it('still lists deleted messages and signals, with deleted_at', async () => {
    const m = message({ text: SIGNAL_TEXT, messageId: 880_001 });
    const { signalId } = (await post('/ingest', m).expect(200)).body;
    await post('/ingest/deletions', deletion([880_001])).expect(200);

    const listed = await request(api.app).get(`/signals?channel=${CHANNEL}&limit=1000`).expect(200);
    expect(listed.body.data.find((s: { id: number }) => s.id === signalId)).toMatchObject({ message_id: 880_001, deleted_at: '2025-10-24T14:00:00.000Z' });
    const one = await request(api.app).get(`/signals/${signalId}`).expect(200);
    expect(one.body.data.deleted_at).toBe('2025-10-24T14:00:00.000Z');
    const raw = await request(api.app).get(`/forwarded-messages?channelId=${CHANNEL}&limit=1000`).expect(200);
    expect(raw.body.data.find((r: { message_id: number }) => r.message_id === 880_001)).toMatchObject({ message_text: SIGNAL_TEXT, deleted_at: '2025-10-24T14:00:00.000Z' });
  });

  it('refuses a deletion that breaks the contract with every violation, writing nothing', async () => {
    const m = message({ text: 'fica' });
    await post('/ingest', m).expect(200);
    const res = await post('/ingest/deletions', { channelId: CHANNEL, messageIds: [m.messageId, m.messageId, 0], deletedAt: 'ontem', source: 'fax' }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['deletedAt', 'messageIds', 'messageIds.2', 'source']);
    const [row] = await messageRows([m.messageId as number]);
    expect(row.deleted_at).toBeNull();
  });

  it("keeps the gateway's request id, which names the deleted messages", async () => {
    const id = `gw:del:${CHANNEL}:57-63+3`;
    const res = await post('/ingest/deletions', deletion([57, 60, 63])).set('X-Request-Id', id).expect(200);
    expect(res.headers['x-request-id']).toBe(id);
  });

  it('needs the gateway token', async () => {
    const res = await request(api.app).post('/ingest/deletions').send(deletion([1])).expect(401);
    expect(res.body.error.code).toBeDefined();
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await request(api.app).get('/openapi.json').expect(200)).body;
    expect(doc.paths['/ingest/deletions'].post.responses).toEqual(expect.objectContaining({ 200: expect.anything(), 400: expect.anything(), 401: expect.anything() }));
  });
});
