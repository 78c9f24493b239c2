import { createHash, randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import { AuthKey } from 'telegram/crypto/AuthKey';
import { IGE } from 'telegram/crypto/IGE';
import { StringSession } from 'telegram/sessions';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** A 2048-bit auth key with its id (the low 64 bits of its SHA1), as both ends derive it. */
export interface PresharedKey {
  key: Buffer;
  /** auth_key_id as it appears on the wire (8 bytes, little endian). */
  id: Buffer;
}

export function generateAuthKey(): PresharedKey {
  const key = randomBytes(256);
  return { key, id: authKeyId(key) };
}

export function authKeyId(key: Buffer): Buffer {
  return createHash('sha1').update(key).digest().subarray(12, 20);
}

/**
 * A GramJS StringSession that already holds the auth key, so the client skips the RSA/DH exchange
 * and starts with encrypted messages. StringSession writes the port as a signed 16-bit number, so
 * it must be at most 32767; GramJS itself ignores it (see FakeTelegramDc.networkSocket).
 */
export async function sessionString(dcId: number, ip: string, port: number, key: Buffer): Promise<string> {
  const session = new StringSession('');
  session.setDC(dcId, ip, port);
  const authKey = new AuthKey();
  await authKey.setKey(key);
  session.setAuthKey(authKey);
  return session.save();
}

/** MTProto 2.0 key derivation; x = 0 for client→server messages, 8 for server→client. */
function deriveAesKey(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

/** Decrypts a client packet (auth_key_id, msg_key, AES-256-IGE data) and checks its msg_key. */
export function decryptFromClient(authKey: PresharedKey, packet: Buffer): Buffer {
  if (!packet.subarray(0, 8).equals(authKey.id)) throw new Error('unknown auth_key_id');
  const msgKey = packet.subarray(8, 24);
  const { key, iv } = deriveAesKey(authKey.key, msgKey, 0);
  const plain = new IGE(key, iv).decryptIge(packet.subarray(24));
  const expected = sha256(authKey.key.subarray(88, 120), plain).subarray(8, 24);
  if (!expected.equals(msgKey)) throw new Error('msg_key mismatch');
  return plain;
}

/** Encrypts a server message: 12..1024 random padding bytes, msg_key from auth key bytes 96..128. */
export function encryptForClient(authKey: PresharedKey, plain: Buffer): Buffer {
  const padLength = ((16 - ((plain.length + 12) % 16)) % 16) + 12;
  const data = Buffer.concat([plain, randomBytes(padLength)]);
  const msgKey = sha256(authKey.key.subarray(96, 128), data).subarray(8, 24);
  const { key, iv } = deriveAesKey(authKey.key, msgKey, 8);
  return Buffer.concat([authKey.id, msgKey, new IGE(key, iv).encryptIge(data)]);
}

/** A random signed 64-bit value, as MTProto uses for salts and ids. */
export const randomLong = () => bigInt.fromArray([...randomBytes(8)], 256).subtract(bigInt(2).pow(63));
