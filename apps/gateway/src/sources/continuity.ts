import { JsonStateFile } from '../util/json-state-file';

/** Ids known for one channel: stored messages, deletions, service messages, as sorted closed ranges. */
interface ChannelIds {
  /** Ids at or below it are not audited (older than when the channel was first followed). */
  floor: number;
  ranges: Array<[number, number]>;
}

function addRange(ranges: Array<[number, number]>, id: number): boolean {
  // Binary search for the first range ending at or after id - 1.
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] < id - 1) lo = mid + 1;
    else hi = mid;
  }
  const at = ranges[lo];
  if (at && at[0] <= id && id <= at[1]) return false;
  if (at && at[0] === id + 1) {
    at[0] = id;
    const before = ranges[lo - 1];
    if (before && before[1] === id - 1) ranges.splice(lo - 1, 2, [before[0], at[1]]);
  } else if (at && at[1] === id - 1) {
    at[1] = id;
    const after = ranges[lo + 1];
    if (after && after[0] === id + 1) ranges.splice(lo, 2, [at[0], after[1]]);
  } else {
    ranges.splice(lo, 0, [id, id]);
  }
  return true;
}

/**
 * The continuity audit: per channel, every message id the gateway has accounted for since it first
 * followed the channel (stored, deleted, or a service message with nothing to store). A hole is an
 * id below the highest one that is none of these: a message Telegram may still have and the gateway
 * never stored. Kept in a small JSON file replaced atomically; a crash can only leave a hole that a
 * fill (channels.getMessages) then accounts for, never hide one.
 */
export class ContinuityAudit {
  private readonly state: JsonStateFile<Record<string, ChannelIds>>;
  private readonly channels: Record<string, ChannelIds>;

  constructor(file: string) {
    this.state = new JsonStateFile(file);
    this.channels = this.state.read({});
  }

  /** Starts auditing a channel after `floor` (what it held when first followed); no-op once tracked. */
  track(channelId: string, floor: number): Promise<void> {
    if (this.channels[channelId]) return Promise.resolve();
    this.channels[channelId] = { floor, ranges: [] };
    return this.persist();
  }

  isTracked(channelId: string): boolean {
    return channelId in this.channels;
  }

  /** Records ids as accounted for (stored, deleted, or service messages). */
  account(channelId: string, ids: number[]): Promise<void> {
    const channel = this.channels[channelId];
    if (!channel) return Promise.resolve();
    let changed = false;
    for (const id of ids) if (id > channel.floor && addRange(channel.ranges, id)) changed = true;
    return changed ? this.persist() : Promise.resolve();
  }

  /** Ids missing between the floor and the highest accounted id, oldest first, at most `limit`. */
  holes(channelId: string, limit = Infinity): number[] {
    const channel = this.channels[channelId];
    if (!channel) return [];
    const out: number[] = [];
    let next = channel.floor + 1;
    for (const [from, to] of channel.ranges) {
      for (let id = next; id < from && out.length < limit; id++) out.push(id);
      if (out.length >= limit) break;
      next = to + 1;
    }
    return out;
  }

  /** How many ids are missing (what telegram_channel_gaps reports). */
  gapCount(channelId: string): number {
    const channel = this.channels[channelId];
    if (!channel || !channel.ranges.length) return 0;
    const highest = channel.ranges[channel.ranges.length - 1][1];
    const accounted = channel.ranges.reduce((n, [from, to]) => n + (to - from + 1), 0);
    return highest - channel.floor - accounted;
  }

  channelIds(): string[] {
    return Object.keys(this.channels);
  }

  private persist(): Promise<void> {
    return this.state.save(this.channels);
  }
}
