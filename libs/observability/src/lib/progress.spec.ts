import { createProgress, formatDuration } from './progress';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (chunk: string) => chunks.push(chunk) } };
}

describe('createProgress', () => {
  it('writes JSON lines with rate, percent and ETA when the stream is not a terminal, one per interval', () => {
    const { chunks, stream } = capture(false);
    let clock = 0;
    const progress = createProgress({ label: 'import', unit: 'msg', total: 1000, stream, now: () => clock, intervalMs: 1_000 });
    clock = 2_000;
    progress.update(250);
    clock = 2_500;
    progress.update(300); // inside the interval: not written
    clock = 4_000;
    progress.update(500, { detail: { lastMessageId: 42 } });
    clock = 8_000;
    progress.finish(1000);
    const lines = chunks.map((c) => JSON.parse(c));
    expect(lines).toEqual([
      { event: 'progress', label: 'import', done: 250, total: 1000, percent: 25, ratePerSecond: 125, elapsedSeconds: 2, etaSeconds: 6 },
      { event: 'progress', label: 'import', done: 500, total: 1000, percent: 50, ratePerSecond: 125, elapsedSeconds: 4, etaSeconds: 4, lastMessageId: 42 },
      { event: 'progress', label: 'import', done: 1000, total: 1000, percent: 100, ratePerSecond: 125, elapsedSeconds: 8, etaSeconds: 0, finished: true, lastMessageId: 42 },
    ]);
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
  });

  it('redraws one bar in place on a terminal, with the rate and the ETA, and ends the line when finished', () => {
    const { chunks, stream } = capture(true);
    let clock = 0;
    const progress = createProgress({ label: 'import', unit: 'msg', total: 200, stream, now: () => clock });
    clock = 10_000;
    progress.update(50);
    clock = 20_000;
    progress.finish(200);
    expect(chunks[0]).toBe('\rimport [######..................] 25% 50/200 5 msg/s ETA 0:30\u001b[K');
    expect(chunks[1]).toBe('\rimport [########################] 100% 200/200 10 msg/s in 0:20\u001b[K\n');
  });

  it('takes the share done from `fraction` when the work is not a count, and shows no ETA before any progress', () => {
    const { chunks, stream } = capture(false);
    let clock = 0;
    const progress = createProgress({ label: 'backfill', unit: 'msg', stream, now: () => clock, intervalMs: 0 });
    clock = 1_000;
    progress.update(0, { fraction: 0 });
    clock = 3_000;
    progress.update(90, { fraction: 0.75 });
    const [first, second] = chunks.map((c) => JSON.parse(c));
    expect(first.etaSeconds).toBeUndefined();
    expect(first.total).toBeUndefined();
    expect(second).toMatchObject({ done: 90, percent: 75, ratePerSecond: 30, etaSeconds: 1 });
  });

  it('shows a count and a rate, no bar, when neither a total nor a fraction is known', () => {
    const { chunks, stream } = capture(true);
    let clock = 0;
    const progress = createProgress({ label: 'publish', unit: 'msg', stream, now: () => clock });
    clock = 2_000;
    progress.update(40);
    expect(chunks).toEqual(['\rpublish 40 msg 20 msg/s\u001b[K']);
  });
});

describe('formatDuration', () => {
  it('writes seconds as m:ss, and h:mm:ss from an hour', () => {
    expect([formatDuration(9), formatDuration(309), formatDuration(3909), formatDuration(-3)]).toEqual(['0:09', '5:09', '1:05:09', '0:00']);
  });
});
