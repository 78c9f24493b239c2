import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@tp/service-kit';
import { assertPrivate } from './session-store';

export const PEERS_FILE = 'telegram.peers.json';

/**
 * Each channel's access hash, kept beside the session (0600 in the same 0700 folder). GramJS's
 * StringSession stores only the DC and auth key, and Telegram refuses a user account's requests
 * for a channel without its hash, so a fresh process would otherwise fail every catch-up.
 */
export class PeerStore {
  constructor(private readonly dir: string) {}

  /** Bare channel id → access hash (decimal strings). */
  load(): Record<string, string> {
    const file = path.join(this.dir, PEERS_FILE);
    if (!existsSync(file)) return {};
    assertPrivate(this.dir);
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { channels?: Record<string, string> };
      return parsed.channels ?? {};
    } catch {
      // A damaged file only costs one messages.getDialogs call to rebuild.
      return {};
    }
  }

  /** Atomic replace (temp file, fsync, rename), 0600. */
  async save(channels: Record<string, string>): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await replaceFile(path.join(this.dir, PEERS_FILE), JSON.stringify({ channels }));
  }
}
