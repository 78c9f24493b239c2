// `login` over MTProto against the fake Telegram data center: the real GramJS auth flow
// (auth.sendCode, auth.signIn, account.getPassword, auth.checkPassword with SRP), then the service
// starting from the session it wrote.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { PeerStore } from '../session/peer-store';
import { loadSession, parseEncryptionKey, SESSION_FILE } from '../session/session-store';
import { Checkpoints } from '../sources/checkpoints';
import { GramJsUserClient } from '../sources/gramjs-client';
import { UserSource } from '../sources/user-source';
import { FakeTelegramDc } from '@tp/testing/telegram';
import { until } from '@tp/testing';
import { login } from './login';

jest.setTimeout(60_000);

let dc: FakeTelegramDc;
let dir: string;

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  dir = mkdtempSync(path.join(tmpdir(), 'login-'));
});
afterEach(async () => {
  await dc.stop();
  expect(dc.protocolErrors).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

const logger = winston.createLogger({ silent: true });

describe('login', () => {
  it('logs in with phone, code and 2FA password, writes a private session, and the service runs on it', async () => {
    const channel = dc.addChannel('TP Capital');
    const sessionDir = path.join(dir, 'session');
    const key = parseEncryptionKey('ab'.repeat(32));
    const errors: string[] = [];
    const passwords = ['senha-errada', dc.login.password as string];
    const unauthorised = await dc.createSession({ authorized: false });

    const file = await login({
      apiId: 12345,
      apiHash: 'api-hash',
      sessionDir,
      encryptionKey: key,
      session: unauthorised,
      phoneNumber: async () => dc.login.phone,
      phoneCode: async () => dc.login.code,
      password: async () => passwords.shift() as string,
      onError: (error) => {
        errors.push(error.message);
        return false;
      },
    });

    expect(file).toBe(path.join(sessionDir, SESSION_FILE));
    expect(statSync(sessionDir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The wrong password was refused by the SRP check, the right one accepted.
    expect(errors).toEqual([expect.stringMatching(/PASSWORD_HASH_INVALID/)]);
    expect(['auth.SendCode', 'auth.SignIn', 'account.GetPassword', 'auth.CheckPassword'].map((m) => dc.callCount(m))).toEqual([1, 1, 2, 2]);

    const session = loadSession(sessionDir, key) as string;
    expect(dc.isAuthorized(session)).toBe(true);
    const outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 1024 * 1024 });
    const client = new GramJsUserClient(session, 12345, 'api-hash', [channel.markedId], { peerStore: new PeerStore(sessionDir) });
    const user = new UserSource(client, outbox, new Checkpoints(path.join(dir, 'marks.json')), { sourceChannelIds: [channel.markedId] }, logger, createGatewayMetrics());
    try {
      await user.start();
      expect(user.state).toBe('connected');
      dc.post(channel, 'primeiro sinal');
      await until(() => outbox.pending().length === 1, { timeoutMs: 10_000, what: 'the post' });
      expect(outbox.pending()[0].message).toMatchObject({ channelId: channel.markedId, messageId: 1, text: 'primeiro sinal' });
    } finally {
      await user.stop();
      await outbox.close();
    }
  });

  it('fails naming the refused code, and writes nothing', async () => {
    const sessionDir = path.join(dir, 'session');
    await expect(
      login({
        apiId: 12345,
        apiHash: 'api-hash',
        sessionDir,
        session: await dc.createSession({ authorized: false }),
        networkSocket: dc.networkSocket,
        phoneNumber: async () => dc.login.phone,
        phoneCode: async () => '00000',
        password: async () => 'nunca perguntada',
      }),
    ).rejects.toThrow(/PHONE_CODE_INVALID/);
    expect(() => statSync(path.join(sessionDir, SESSION_FILE))).toThrow();
  });
});
