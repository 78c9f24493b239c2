import { Counter, Registry } from 'prom-client';
import { FloodWaitPolicy } from './flood-wait';
import { FloodWaitError } from './user-client';

function counter() {
  const registry = new Registry();
  const waited = new Counter({ name: 'telegram_flood_wait_seconds_total', help: 'seconds waited', labelNames: ['method'] as const, registers: [registry] });
  const seconds = async (method: string) => (await waited.get()).values.find((v) => v.labels.method === method)?.value ?? 0;
  return { waited, seconds };
}

/** A call that answers FLOOD_WAIT_<s> for each of `waits`, then `result`. */
function flooding<T>(waits: number[], result: T) {
  let calls = 0;
  return {
    call: async () => {
      const seconds = waits[calls++];
      if (seconds !== undefined) throw new FloodWaitError(seconds);
      return result;
    },
    calls: () => calls,
  };
}

describe('FloodWaitPolicy', () => {
  it('sleeps each FLOOD_WAIT out (plus a second) as often as asked, and counts the seconds per method', async () => {
    const { waited, seconds } = counter();
    const slept: number[] = [];
    const policy = new FloodWaitPolicy({ waited, sleep: async (ms) => void slept.push(ms) });
    const history = flooding([3, 0], 'page');
    const difference = flooding([5], 'diff');
    await expect(policy.run('messages.getHistory', history.call)).resolves.toBe('page');
    await expect(policy.run('updates.getChannelDifference', difference.call)).resolves.toBe('diff');
    expect(history.calls()).toBe(3);
    expect(slept).toEqual([4_000, 1_000, 6_000]);
    expect(await seconds('messages.getHistory')).toBe(5);
    expect(await seconds('updates.getChannelDifference')).toBe(6);
  });

  it('waits for real with the default sleep', async () => {
    const policy = new FloodWaitPolicy();
    const started = Date.now();
    await expect(policy.run('messages.getHistory', flooding([0], 'ok').call)).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('passes other errors through at once', async () => {
    const { waited, seconds } = counter();
    const policy = new FloodWaitPolicy({ waited });
    await expect(policy.run('messages.getHistory', async () => Promise.reject(new Error('CHANNEL_INVALID')))).rejects.toThrow('CHANNEL_INVALID');
    expect(await seconds('messages.getHistory')).toBe(0);
  });

  it('stops waiting when aborted, rethrowing the FLOOD_WAIT', async () => {
    const abort = new AbortController();
    const policy = new FloodWaitPolicy();
    const started = Date.now();
    const running = policy.run('messages.getHistory', flooding([60], 'never').call, abort.signal);
    setTimeout(() => abort.abort(), 50);
    await expect(running).rejects.toBeInstanceOf(FloodWaitError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
