import { gzipSync } from 'node:zlib';
import bigInt, { type BigInteger } from 'big-integer';
import { Api, serializeBytes } from 'telegram/tl';
import { GZIPPacked, MessageContainer, RPCResult } from 'telegram/tl/core';
import { BinaryReader } from 'telegram/extensions';
import { readBigIntFromBuffer, toSignedLittleBuffer } from 'telegram/Helpers';

/** One message the client sent: its ids and the TL object GramJS's reader made of it. */
export interface ClientMessage {
  msgId: BigInteger;
  seqNo: number;
  /** Content-related messages (odd seq_no) must be acknowledged. */
  contentRelated: boolean;
  obj: unknown;
}

export interface ClientEnvelope {
  salt: BigInteger;
  sessionId: BigInteger;
  messages: ClientMessage[];
  /** The outer msg_id (a container's own id when the client batched several messages). */
  outerMsgId: BigInteger;
}

/** Reads a decrypted client payload: salt, session_id, then one message or a msg_container of them. */
export async function readClientEnvelope(plain: Buffer): Promise<ClientEnvelope> {
  const reader = new BinaryReader(plain);
  const salt = reader.readLong();
  const sessionId = reader.readLong();
  const msgId = reader.readLong();
  const seqNo = reader.readInt();
  const length = reader.readInt();
  const body = new BinaryReader(reader.read(length));
  const obj = await body.tgReadObject();
  const flat: ClientMessage[] = [];
  const add = async (id: BigInteger, seq: number, o: unknown) => {
    if (o instanceof MessageContainer) {
      // GramJS declares the container's messages private; they are what the container is.
      for (const inner of (o as unknown as { messages: Array<{ msgId: BigInteger; seqNo: number; obj: unknown }> }).messages) await add(inner.msgId, inner.seqNo, await inner.obj);
    } else if (o instanceof GZIPPacked) {
      await add(id, seq, await new BinaryReader(o.data).tgReadObject());
    } else {
      flat.push({ msgId: id, seqNo: seq, contentRelated: seq % 2 === 1, obj: o });
    }
  };
  await add(msgId, seqNo, obj);
  return { salt, sessionId, messages: flat, outerMsgId: msgId };
}

/**
 * Server-side msg_id and seq_no for one client session: msg_ids grow with time and are ≡ 1 (mod 4)
 * for answers and ≡ 3 for messages the server sends on its own; seq_no counts content-related ones.
 */
export class ServerSession {
  private lastMsgId = bigInt.zero;
  private contentSent = 0;

  constructor(
    readonly sessionId: BigInteger,
    public salt: BigInteger,
  ) {}

  nextMsgId(answer: boolean): BigInteger {
    const now = Date.now();
    let id = bigInt(Math.floor(now / 1000)).shiftLeft(32).add(bigInt((now % 1000) * 4_000_000));
    id = id.subtract(id.mod(4)).add(answer ? 1 : 3);
    if (id.lesserOrEquals(this.lastMsgId)) id = this.lastMsgId.add(4);
    this.lastMsgId = id;
    return id;
  }

  nextSeqNo(contentRelated: boolean): number {
    return contentRelated ? this.contentSent++ * 2 + 1 : this.contentSent * 2;
  }

  /** salt, session_id, msg_id, seq_no, length, body: the plaintext of one server message. */
  envelope(body: Buffer, answer: boolean, contentRelated: boolean): Buffer {
    const head = Buffer.alloc(32);
    toSignedLittleBuffer(this.salt, 8).copy(head, 0);
    toSignedLittleBuffer(this.sessionId, 8).copy(head, 8);
    toSignedLittleBuffer(this.nextMsgId(answer), 8).copy(head, 16);
    head.writeInt32LE(this.nextSeqNo(contentRelated), 24);
    head.writeInt32LE(body.length, 28);
    return Buffer.concat([head, body]);
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};

/**
 * rpc_result#f35c6d01 req_msg_id:long result:Object. GramJS has a reader for it but no writer, so
 * the frame is built from its constructor id; large results go out gzip_packed as Telegram does.
 */
export const GZIP_ABOVE_BYTES = 512;

export function rpcResult(reqMsgId: BigInteger, result: Buffer): Buffer {
  const body = result.length > GZIP_ABOVE_BYTES ? Buffer.concat([u32(GZIPPacked.CONSTRUCTOR_ID), serializeBytes(gzipSync(result))]) : result;
  return Buffer.concat([u32(RPCResult.CONSTRUCTOR_ID), toSignedLittleBuffer(reqMsgId, 8), body]);
}

export function rpcError(code: number, message: string): Buffer {
  return Buffer.from(new Api.RpcError({ errorCode: code, errorMessage: message }).getBytes());
}

/** vector#1cb5c415 of boxed objects (the result type of users.getUsers and the like). */
export function vectorOf(items: Array<{ getBytes(): Buffer }>): Buffer {
  return Buffer.concat([u32(0x1cb5c415), u32(items.length), ...items.map((i) => Buffer.from(i.getBytes()))]);
}

export const boolTrue = () => u32(0x997275b5);

export { readBigIntFromBuffer };
