/**
 * An entry the API failed on when it was sent on its own (a message: 5xx alone; a deletion: 5xx or
 * no answer). Isolated entries are retried apart from the queue, so the rest keeps flowing.
 */
export interface Isolated {
  /** Failures that count: the first one, then each one after other entries were stored since. */
  strikes: number;
  /** Successful requests when it was last tried: it is due again once that count has grown. */
  triedAt: number;
  lastReason: string;
}

/**
 * The publisher's isolated entries of one kind, by outbox seq, in the order they were isolated.
 * "Isolated" is the one word for this state; an entry leaves it when it is stored, or when it is
 * parked after `maxStrikes` (POISON_MAX_ATTEMPTS) counted failures.
 */
export class Isolation {
  private readonly entries = new Map<number, Isolated>();

  constructor(readonly maxStrikes: number) {}

  get size(): number {
    return this.entries.size;
  }

  seqs(): number[] {
    return [...this.entries.keys()];
  }

  has(seq: number): boolean {
    return this.entries.has(seq);
  }

  get(seq: number): Isolated | undefined {
    return this.entries.get(seq);
  }

  isolate(seq: number, triedAt: number, reason: string, strikes = 1): Isolated {
    const isolated = { strikes, triedAt, lastReason: reason };
    this.entries.set(seq, isolated);
    return isolated;
  }

  release(seq: number): void {
    this.entries.delete(seq);
  }

  /** Forgets entries that left the outbox's pending state by other ways (a replay, another process's tool). */
  prune(stillPending: (seq: number) => boolean): void {
    for (const seq of this.entries.keys()) if (!stillPending(seq)) this.entries.delete(seq);
  }

  /** Due for a retry: other entries were stored since it was last tried. */
  isDue(isolated: Isolated, successes: number): boolean {
    return isolated.triedAt < successes;
  }

  /** Counts a failure; true when it reaches the limit and the entry is to be parked. */
  strike(isolated: Isolated, successes: number): boolean {
    isolated.strikes++;
    isolated.triedAt = successes;
    return isolated.strikes >= this.maxStrikes;
  }

  *entriesInOrder(): Generator<[number, Isolated]> {
    yield* this.entries;
  }

  /** Isolated since the last success, by its first failure: a run of these means the API, not a message, is failing. */
  isolatedSince(successes: number): number {
    let count = 0;
    for (const isolated of this.entries.values()) if (isolated.strikes === 1 && isolated.triedAt === successes) count++;
    return count;
  }
}
