import { until } from './until';

describe('until', () => {
  it('returns the first value the check accepts', async () => {
    let calls = 0;
    const value = await until(() => ++calls, { ok: (n) => n >= 3, intervalMs: 1 });
    expect(value).toBe(3);
  });

  it('accepts a truthy value by default and awaits async probes', async () => {
    let calls = 0;
    await expect(until(async () => (++calls === 2 ? 'ready' : ''), { intervalMs: 1 })).resolves.toBe('ready');
  });

  it('treats a throwing probe as not yet', async () => {
    let calls = 0;
    const value = await until(
      () => {
        if (++calls < 3) throw new Error('connection refused');
        return calls;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('times out naming what it waited for, the last value and the last error', async () => {
    let calls = 0;
    const probe = () => {
      if (++calls % 2) throw new Error('ECONNREFUSED');
      return { depth: 4 };
    };
    await expect(until(probe, { ok: (v) => v.depth === 0, timeoutMs: 30, intervalMs: 1, what: 'the outbox to drain' })).rejects.toThrow(
      /timed out after 30 ms waiting for the outbox to drain; last value \{"depth":4\}; last error: ECONNREFUSED/,
    );
  });

  it('stops at once with the reason giveUp returns', async () => {
    let exited = false;
    const waiting = until(() => false, { timeoutMs: 5_000, intervalMs: 1, what: 'the gateway to start', giveUp: () => exited && 'it exited with 1' });
    exited = true;
    await expect(waiting).rejects.toThrow('gave up waiting for the gateway to start: it exited with 1');
  });
});
