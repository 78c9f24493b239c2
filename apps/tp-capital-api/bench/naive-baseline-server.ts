// The naive design, for comparison only: Express + Helmet + CORS as the original system ran them, per-message POST,
// SELECT-then-INSERT idempotency, no transaction, no batching. Same parser, pool size and tables
// as the real API, so the comparison is of the ingest design, not of the HTTP stack.
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import { Pool } from 'pg';
import { parseSignalMessage, PARSER_VERSION } from '../src/parser/signal-parser';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => undefined);
const token = process.env.GATEWAY_SECRET_TOKEN;

const app = express();
app.use(helmet(), cors({ origin: ['http://localhost:3103'] }), express.json({ limit: '1mb' }));
app.post('/ingest', async (req, res) => {
  try {
    if (req.get('x-gateway-token') !== token) {
      res.status(401).json({ error: 'Invalid gateway token' });
      return;
    }
    const m = req.body;
    const existing = await pool.query('select 1 from tp_capital.forwarded_messages where channel_id = $1 and message_id = $2 and message_ts = $3 limit 1', [m.channelId, m.messageId, m.timestamp]);
    if (existing.rowCount) {
      res.json({ status: 'ok', skipped: true });
      return;
    }
    const parsed = parseSignalMessage(m.text, new Date(m.timestamp));
    await pool.query('insert into tp_capital.forwarded_messages (channel_id, message_id, message_ts, text, source, parse_kind, parser_version) values ($1,$2,$3,$4,$5,$6,$7)', [m.channelId, m.messageId, m.timestamp, m.text, m.source, parsed.kind, PARSER_VERSION]);
    let signalId = null;
    if (parsed.kind === 'signal') {
      const s = parsed.signal;
      const r = await pool.query(
        'insert into tp_capital.tp_capital_signals (ts, channel_id, message_id, asset, signal_type, buy_min, buy_max, target_1, target_2, target_final, targets, stop, raw_message, parser_version) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) returning id',
        [m.timestamp, m.channelId, m.messageId, s.asset, s.signalType, s.buyMin, s.buyMax, s.target1, s.target2, s.targetFinal, s.targets, s.stop, m.text, PARSER_VERSION],
      );
      signalId = r.rows[0].id;
    }
    res.json({ status: 'ok', skipped: false, signalId });
  } catch (error) {
    res.status(500).json({ error: (error as Error).message });
  }
});
const server = app;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
