// Load generators for the services' benchmark targets.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { sleep } from './sleep';

export interface LoadResult {
  name: string;
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return match ? Number(match[1]) / 1024 : 0;
}

/** A keep-alive HTTP client for one local port; rejects on any status other than `expect`. */
export function httpClient(port: number, maxSockets: number, headers: Record<string, string> = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (method: string, path: string, body?: unknown, expect = 200): Promise<string> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          agent,
          headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => (res.statusCode === expect ? resolve(text) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  return { send, close: () => agent.destroy() };
}

function summarise(name: string, latencies: number[], seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
}

/** `total` calls of `op`, `concurrency` in flight at any time. */
export async function closedLoop(name: string, concurrency: number, total: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarise(name, latencies, (performance.now() - started) / 1000);
}

/**
 * Calls `op` at a fixed rate for `seconds` and measures each call from when it was due (open loop),
 * so a slow server cannot hide its queueing delay.
 */
export async function openLoop(name: string, rate: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(op(i).then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(inflight);
  return summarise(name, latencies, (performance.now() - started) / 1000);
}
