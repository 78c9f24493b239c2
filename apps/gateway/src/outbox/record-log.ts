import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * An append-only file of framed records: [u32 length][u32 crc32][payload]. A record is complete
 * only when its bytes and checksum agree, so a write torn by a crash is detected on open and cut
 * off. Nothing is ever rewritten in place.
 */
export const HEADER_BYTES = 8;
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

export interface ScanResult {
  records: Buffer[];
  /** Bytes of complete records; anything after it was torn. */
  validBytes: number;
  tornBytes: number;
}

/** Reads every complete record from the start of a file. */
export function scan(fd: number): ScanResult {
  const size = fstatSync(fd).size;
  const data = Buffer.allocUnsafe(size);
  let read = 0;
  while (read < size) read += readSync(fd, data, read, size - read, read);
  const records: Buffer[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= size) {
    const length = data.readUInt32LE(offset);
    const checksum = data.readUInt32LE(offset + 4);
    if (length > MAX_RECORD_BYTES || offset + HEADER_BYTES + length > size) break;
    const payload = data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    if (crc32(payload) !== checksum) break;
    records.push(payload);
    offset += HEADER_BYTES + length;
  }
  return { records, validBytes: offset, tornBytes: size - offset };
}

/** Opens (creating) a log for appending, cutting off a torn tail first. */
export function openLog(path: string): { fd: number; scan: ScanResult } {
  const fd = openSync(path, 'a+', 0o600);
  const result = scan(fd);
  if (result.tornBytes > 0) {
    ftruncateSync(fd, result.validBytes);
    fdatasyncSync(fd);
  }
  return { fd, scan: result };
}

export function appendSync(fd: number, buffers: Buffer[], sync: boolean): number {
  const data = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
  if (sync) fdatasyncSync(fd);
  return data.length;
}

export { closeSync as closeLog };
