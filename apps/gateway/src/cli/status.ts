// `status [--json]`: is the service up and healthy, what does the outbox hold, is there a Telegram session. Works
// with the service running (asks its /health) or stopped (reads the outbox itself).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HealthReport } from '@tp/observability';
import { loadStatusConfig, type StatusConfig } from '../config';
import { Outbox } from '../outbox/outbox';
import { OutboxLockedError } from '../outbox/lock';
import { assertPrivate, SESSION_FILE } from '../session/session-store';
import { println, type CliIo } from './io';

/** Exit codes, after the LSB `status` convention: 3 is "not running". */
export const STATUS_EXIT = { healthy: 0, unhealthy: 1, notRunning: 3 } as const;

export interface GatewayStatus {
  service: { url: string; running: boolean; health?: HealthReport; httpStatus?: number; error?: string };
  outbox: { dir: string; state: 'in_use' | 'absent' | 'read'; pending?: number; dead?: number; bytes?: number; usage?: number; oldestPendingAgeSeconds?: number | null; note?: string };
  session: { dir: string; state: 'present' | 'absent' | 'unsafe'; problem?: string };
}

const probeHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);

async function askService(config: StatusConfig): Promise<GatewayStatus['service']> {
  const url = `http://${probeHost(config.host)}:${config.port}/health`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { url, running: true, httpStatus: res.status, health: (await res.json()) as HealthReport };
  } catch (error) {
    return { url, running: false, error: ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message };
  }
}

async function readOutbox(config: StatusConfig, running: boolean): Promise<GatewayStatus['outbox']> {
  const dir = config.outboxDir;
  if (!existsSync(path.join(dir, 'outbox.log'))) return { dir, state: 'absent', note: 'no outbox yet (created when the gateway first runs)' };
  if (running) return { dir, state: 'in_use', note: 'owned by the running gateway; see its health report' };
  try {
    const outbox = await Outbox.open(dir, { maxBytes: config.outboxMaxBytes, retainDeliveredMs: config.retainDeliveredMs });
    try {
      const stats = outbox.stats();
      return {
        dir,
        state: 'read',
        pending: stats.pending,
        dead: stats.dead,
        bytes: stats.fileBytes,
        usage: Number(stats.usage.toFixed(3)),
        oldestPendingAgeSeconds: stats.oldestPendingAt === null ? null : Math.round((Date.now() - stats.oldestPendingAt) / 1000),
      };
    } finally {
      await outbox.close();
    }
  } catch (error) {
    if (error instanceof OutboxLockedError) return { dir, state: 'in_use', note: error.message };
    throw error;
  }
}

function sessionState(dir: string): GatewayStatus['session'] {
  if (!existsSync(path.join(dir, SESSION_FILE))) return { dir, state: 'absent' };
  try {
    assertPrivate(dir);
    return { dir, state: 'present' };
  } catch (error) {
    return { dir, state: 'unsafe', problem: (error as Error).message };
  }
}

export async function gatewayStatus(config: StatusConfig): Promise<GatewayStatus> {
  const service = await askService(config);
  return { service, outbox: await readOutbox(config, service.running), session: sessionState(config.sessionDir) };
}

function describe(status: GatewayStatus): string[] {
  const { service, outbox, session } = status;
  const lines: string[] = [];
  if (!service.running) lines.push(`service: not running (no answer from ${service.url}: ${service.error})`);
  else {
    const health = service.health;
    lines.push(`service: running, ${health?.status ?? `HTTP ${service.httpStatus}`}${health?.failing.length ? ` (failing: ${health.failing.join(', ')})` : ''} — ${service.url}`);
    for (const [name, check] of Object.entries(health?.checks ?? {})) lines.push(`  ${name}: ${check.status}${check.error ? ` — ${check.error}` : ''}`);
    const details = health?.checks.outbox?.details as { depth?: number; deadLetters?: number; oldestUndeliveredAgeSeconds?: number } | undefined;
    if (details) lines.push(`  outbox: ${details.depth} pending, ${details.deadLetters} parked, oldest pending ${details.oldestUndeliveredAgeSeconds} s`);
  }
  if (outbox.state === 'read') {
    lines.push(`outbox: ${outbox.pending} pending, ${outbox.dead} parked, ${outbox.bytes} bytes (${Math.round((outbox.usage ?? 0) * 100)} % of OUTBOX_MAX_BYTES)${outbox.oldestPendingAgeSeconds === null ? '' : `, oldest pending ${outbox.oldestPendingAgeSeconds} s`} — ${outbox.dir}`);
  } else lines.push(`outbox: ${outbox.note} — ${outbox.dir}`);
  lines.push(`session: ${session.state === 'unsafe' ? session.problem : session.state} — ${session.dir}`);
  return lines;
}

export async function runStatusCommand(options: { json?: boolean }, io: CliIo): Promise<number> {
  const status = await gatewayStatus(loadStatusConfig(io.env));
  if (options.json) println(io.stdout, JSON.stringify(status));
  else for (const line of describe(status)) println(io.stdout, line);
  if (!status.service.running) return STATUS_EXIT.notRunning;
  return status.service.httpStatus === 200 ? STATUS_EXIT.healthy : STATUS_EXIT.unhealthy;
}
