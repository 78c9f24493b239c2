/** Where progress goes: a terminal gets a redrawn bar, anything else JSON lines. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is being done, e.g. `import` or `publish`; the `label` of every JSON line. */
  label: string;
  /** What is counted, for the rate: `msg` → `120 msg/s`. */
  unit?: string;
  /** How many there are, when known: gives the bar, the percentage and the ETA. */
  total?: number;
  stream?: ProgressStream;
  now?: () => number;
  /** Least time between two JSON lines (a terminal is redrawn at most ten times a second). */
  intervalMs?: number;
}

export interface ProgressUpdate {
  /** Share of the work done, 0–1, for work whose total is not a count (a history read since a date). */
  fraction?: number;
  total?: number;
  /** Extra fields for the JSON line, shown as `key value` after the bar on a terminal. */
  detail?: Record<string, string | number | null>;
}

export interface Progress {
  update(done: number, extra?: ProgressUpdate): void;
  /** The last state (by default the last count), always written; ends the terminal line. */
  finish(done?: number, extra?: ProgressUpdate): void;
}

/** `1:05:09`, `5:09`, `0:09`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/**
 * A progress reporter with rate and ETA: a bar redrawn in place on a terminal, one JSON line per
 * interval otherwise (logs and pipes), so both people and scripts can follow a long run.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'items';
  const interval = stream.isTTY ? 100 : (options.intervalMs ?? 1_000);
  const started = now();
  let total = options.total;
  let lastWrite = -Infinity;

  const render = (done: number, extra: ProgressUpdate, final: boolean) => {
    if (extra.total !== undefined) total = extra.total;
    const at = now();
    if (!final && at - lastWrite < interval) return;
    lastWrite = at;
    const elapsed = Math.max((at - started) / 1000, 0.001);
    const rate = done / elapsed;
    const fraction = extra.fraction ?? (total ? done / total : total === 0 ? 1 : undefined);
    const clamped = fraction === undefined ? undefined : Math.min(Math.max(fraction, 0), 1);
    const eta = clamped === undefined ? undefined : clamped >= 1 ? 0 : clamped > 0 ? (elapsed * (1 - clamped)) / clamped : undefined;

    if (!stream.isTTY) {
      const line: Record<string, unknown> = { event: 'progress', label: options.label, done };
      if (total !== undefined) line.total = total;
      if (clamped !== undefined) line.percent = Math.floor(clamped * 1000) / 10;
      line.ratePerSecond = Math.round(rate * 10) / 10;
      line.elapsedSeconds = Math.round(elapsed);
      if (eta !== undefined) line.etaSeconds = Math.round(eta);
      if (final) line.finished = true;
      stream.write(`${JSON.stringify({ ...line, ...extra.detail })}\n`);
      return;
    }
    const parts = [options.label];
    if (clamped !== undefined) {
      const width = 24;
      const filled = Math.round(clamped * width);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`, `${Math.floor(clamped * 100)}%`);
    }
    parts.push(total !== undefined ? `${done}/${total}` : `${done} ${unit}`, `${Math.round(rate)} ${unit}/s`);
    if (final) parts.push(`in ${formatDuration(elapsed)}`);
    else if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    for (const [key, value] of Object.entries(extra.detail ?? {})) if (value !== null) parts.push(`${key} ${value}`);
    stream.write(`\r${parts.join(' ')}\u001b[K${final ? '\n' : ''}`);
  };

  let last: { done: number; extra: ProgressUpdate } = { done: 0, extra: {} };
  return {
    update: (done, extra = {}) => {
      last = { done, extra };
      render(done, extra, false);
    },
    finish: (done = last.done, extra = last.extra) => render(done, extra, true),
  };
}
