import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { IngestDeletion, IngestMessage } from '@tp/ingest-contract';
import { appendFileDurably, replaceFile } from '@tp/service-kit';
import type { DeadLetterKind } from './records';

export const DEAD_LETTER_FILE = 'dead-letter.jsonl';
/** The previous generation, kept once for the operator after a rotation. */
export const ROTATED_DEAD_LETTER_FILE = `${DEAD_LETTER_FILE}.1`;

/** One line of dead-letter.jsonl: a human-readable copy of a parked message or deletion. The log stays the source of truth. */
export type DeadLetterLine = { parkedAt: string; kind: DeadLetterKind; reason: string; seq: number } & ({ message: IngestMessage } | { deletion: IngestDeletion });

/**
 * dead-letter.jsonl, the operator's view of parked messages. Appended (and fsync'd) when a message
 * is parked; rewritten to the messages still parked after a successful replay, the old file kept
 * as dead-letter.jsonl.1, so it never grows with messages that were delivered since.
 */
export class DeadLetterFile {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, DEAD_LETTER_FILE);
  }

  async append(line: DeadLetterLine): Promise<void> {
    await appendFileDurably(this.file, `${JSON.stringify(line)}\n`);
  }

  async rotate(stillParked: DeadLetterLine[]): Promise<void> {
    if (existsSync(this.file)) await rename(this.file, path.join(path.dirname(this.file), ROTATED_DEAD_LETTER_FILE));
    await replaceFile(this.file, stillParked.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
}
