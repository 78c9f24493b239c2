import { crc32 } from 'telegram/Helpers';

/**
 * MTProto "TCP Full" transport, server side: each packet is length (4, LE, whole packet), sequence
 * number (4, LE, per direction), payload, CRC32 of everything before it. GramJS's default on Node.
 */
export class TcpFullFramer {
  private buffer = Buffer.alloc(0);
  private expectedSeq = 0;
  private sendSeq = 0;

  /** Feeds bytes from the socket; returns the complete payloads they finish. Throws on a bad CRC or sequence. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    while (this.buffer.length >= 12) {
      const length = this.buffer.readInt32LE(0);
      if (length < 12 || length > 16 * 1024 * 1024) throw new Error(`TCP Full: bad packet length ${length}`);
      if (this.buffer.length < length) break;
      const packet = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      const seq = packet.readInt32LE(4);
      const crc = packet.readUInt32LE(length - 4);
      if (crc32(packet.subarray(0, length - 4)) !== crc) throw new Error('TCP Full: CRC32 mismatch');
      if (seq !== this.expectedSeq) throw new Error(`TCP Full: sequence ${seq}, expected ${this.expectedSeq}`);
      this.expectedSeq++;
      out.push(Buffer.from(packet.subarray(8, length - 4)));
    }
    return out;
  }

  encode(payload: Buffer): Buffer {
    const head = Buffer.alloc(8);
    head.writeInt32LE(payload.length + 12, 0);
    head.writeInt32LE(this.sendSeq++, 4);
    const body = Buffer.concat([head, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(body), 0);
    return Buffer.concat([body, crc]);
  }
}
