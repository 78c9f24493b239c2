// Chaos for the user client with real processes: while a fake Telegram data center keeps posting,
// editing and deleting in two channels, the built gateway is SIGKILLed at random moments (some right
// after a restart, in the middle of its difference and catch-up), kept down across bursts of edits and
// deletions, and has its connection cut. Then the API must hold every message once, its latest text,
// every deletion, and the gateway's continuity audit must find no hole.
import type { FakeChannel } from '@tp/testing/telegram';
import { sleep, until } from '@tp/testing';
import { stopAll } from './support/processes';
import { UserClientStack, type UserClientHealth } from './support/user-client-stack';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 8);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a seeded generator, so a failing run can be replayed with CHAOS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let world: UserClientStack;

beforeAll(async () => {
  world = await new UserClientStack().start([
    { title: 'TP Capital', id: 1_649_127_720 },
    { title: 'TP Capital Opções', id: 1_649_127_721 },
  ]);
  await until(() => world.health(), { ok: (h: UserClientHealth) => h.status === 200 && h.state === 'connected', timeoutMs: 60_000, what: 'the user client to connect' });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  await stopAll();
});

/** What Telegram did, to compare with what the API ends up holding. */
class Activity {
  readonly posted = new Map<FakeChannel, number[]>();
  readonly deleted = new Map<FakeChannel, Set<number>>();
  edits = 0;

  constructor(
    private readonly channels: FakeChannel[],
    private readonly rand: () => number,
  ) {
    for (const c of channels) {
      this.posted.set(c, []);
      this.deleted.set(c, new Set());
    }
  }

  /** One random act: mostly posts, then edits of live messages, then deletions. */
  step(): void {
    const channel = this.channels[Math.floor(this.rand() * this.channels.length)];
    const live = (this.posted.get(channel) ?? []).filter((id) => !this.deleted.get(channel)?.has(id));
    const roll = this.rand();
    if (roll < 0.55 || live.length < 3) {
      this.posted.get(channel)?.push(world.dc.post(channel, `post ${this.count()} em ${channel.title}`));
    } else if (roll < 0.85) {
      const id = live[Math.floor(this.rand() * live.length)];
      world.dc.edit(channel, id, `editada ${++this.edits}: ${id}`);
    } else {
      const id = live[Math.floor(this.rand() * live.length)];
      world.dc.delete(channel, [id]);
      this.deleted.get(channel)?.add(id);
    }
  }

  count(): number {
    return [...this.posted.values()].reduce((n, ids) => n + ids.length, 0);
  }
}

/** The API's rows and the gateway's audit against what Telegram holds now. */
async function tally(channels: FakeChannel[], activity: Activity) {
  const counts = { posted: 0, stored: 0, lost: 0, duplicated: 0, edited: 0, editsReflected: 0, deleted: 0, deletionsReflected: 0, wronglyDeleted: 0, auditGaps: 0 };
  for (const channel of channels) {
    const rows = await world.storedMessages(channel);
    const byId = new Map<number, Record<string, unknown>>();
    for (const row of rows) {
      if (byId.has(row.message_id as number)) counts.duplicated++;
      byId.set(row.message_id as number, row);
    }
    const posted = activity.posted.get(channel) ?? [];
    const deleted = activity.deleted.get(channel) ?? new Set<number>();
    counts.posted += posted.length;
    counts.stored += byId.size;
    for (const id of posted) {
      const row = byId.get(id);
      if (!row) {
        counts.lost++;
        continue;
      }
      if (deleted.has(id)) {
        counts.deleted++;
        if (row.deleted_at) counts.deletionsReflected++;
        continue;
      }
      if (row.deleted_at) counts.wronglyDeleted++;
      const current = channel.messages.get(id);
      if (current?.editDate) {
        counts.edited++;
        if (row.message_text === current.message) counts.editsReflected++;
      }
    }
  }
  // The gateway's continuity audit, as its status report to the API shows it: one sent after the counts above.
  const countedAt = Date.now();
  const status = await until(() => world.stack.get<{ reportedAt: string | null; report: { continuity: Array<{ gaps: number }> } | null }>('/gateway/status'), {
    ok: (s) => s.reportedAt !== null && Date.parse(s.reportedAt) > countedAt,
    timeoutMs: 30_000,
    what: 'a status report of the gateway after the counts',
  });
  counts.auditGaps = (status.report?.continuity ?? []).reduce((n, c) => n + c.gaps, 0);
  return counts;
}

describe('user client chaos: SIGKILLs, downtime bursts of edits and deletions, a cut connection', () => {
  it(`loses nothing, duplicates nothing and reflects every edit and deletion across ${ROUNDS} rounds`, async () => {
    const rand = random(SEED);
    const channels = world.channels;
    const activity = new Activity(channels, rand);
    for (let i = 0; i < 12; i++) activity.step();
    // Telegram keeps going whatever happens to the gateway.
    const feeder = setInterval(() => activity.step(), 60);
    const events: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await sleep(300 + rand() * 1_200);
        const kind = round % 3;
        if (kind === 0) {
          // SIGKILL at a random moment, a burst of edits and deletions while down, then a restart.
          await world.gateway.stop('SIGKILL');
          for (let i = 0; i < 25; i++) activity.step();
          await sleep(rand() * 500);
          await world.stack.startGateway();
          events.push('kill, burst while down, restart');
        } else if (kind === 1) {
          // Killed again shortly after a restart: in the middle of its difference and catch-up.
          await world.gateway.stop('SIGKILL');
          for (let i = 0; i < 40; i++) activity.step();
          await world.stack.startGateway();
          await sleep(rand() * 400);
          await world.gateway.stop('SIGKILL');
          await world.stack.startGateway();
          events.push('kill, restart, kill during catch-up, restart');
        } else {
          world.dc.dropConnections();
          events.push('connection cut');
        }
      }
    } finally {
      clearInterval(feeder);
    }
    // Telegram goes quiet; the gateway reads everything and the API confirms everything.
    await until(() => world.health(), { ok: (h: UserClientHealth) => h.status === 200 && h.state === 'connected', timeoutMs: 60_000, what: 'the user client connected after the chaos' });
    let counts = await tally(channels, activity);
    counts = await until(() => tally(channels, activity), {
      ok: (c) => c.lost === 0 && c.editsReflected === c.edited && c.deletionsReflected === c.deleted,
      timeoutMs: 90_000,
      intervalMs: 1_000,
      what: 'every message, edit and deletion in the API',
    }).catch(async (error: Error) => {
      counts = await tally(channels, activity);
      console.log(`user-client chaos (seed ${SEED}) ${JSON.stringify(counts)}`);
      throw error;
    });
    console.log(`user-client chaos (seed ${SEED}, ${ROUNDS} rounds: ${events.join('; ')}) ${JSON.stringify(counts)}`);
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, wronglyDeleted: 0, auditGaps: 0 });
    expect(counts.stored).toBe(counts.posted);
    expect(counts.editsReflected).toBe(counts.edited);
    expect(counts.deletionsReflected).toBe(counts.deleted);
    expect(counts.edited).toBeGreaterThan(0);
    expect(counts.deleted).toBeGreaterThan(0);
    expect(world.dc.protocolErrors).toEqual([]);
    expect(world.secretLeaks()).toEqual([]);
  }, 400_000);
});
