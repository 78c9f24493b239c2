import fc from 'fast-check';
import { deriveOutcome, resolveTarget, resultPercent, statusRank, type OutcomeEvent } from './outcome';

const BOVAW22 = { buyMin: '0.940000', targets: ['1.100000', '1.300000', '2.000000'], stop: '0.700000', expiresAt: new Date('2025-10-29T02:59:59Z') };
const at = (iso: string) => new Date(iso);
let messageId = 1;
const event = (eventType: string, target: number | null, time: string, percentage: string | null = null): OutcomeEvent => ({ eventType, target, percentage, messageTs: at(time), messageId: messageId++ });
const NOW = at('2026-01-01T00:00:00Z');

describe('resultPercent', () => {
  it("measures the channel's way: BOVAW22 bought 0,94–0,96, target 1 at 1,10 is +17,02 %", () => {
    expect(resultPercent('1.100000', '0.940000')).toBe('17.0213');
  });

  it('is negative at a stop and exact for round results', () => {
    expect(resultPercent('0.75', '1.00')).toBe('-25.0000');
    expect(resultPercent('33.00', '30.00')).toBe('10.0000');
  });

  it('is unknown without a positive buy price, and when it does not fit numeric(9,4)', () => {
    expect(resultPercent('1.10', null)).toBeNull();
    expect(resultPercent('1.10', '0')).toBeNull();
    expect(resultPercent('1000000.00', '0.000001')).toBeNull();
  });

  it('agrees with floating point to the fourth decimal on prices of the numeric(18,6) columns', () => {
    const price = fc.integer({ min: 1, max: 10_000_000_000 });
    fc.assert(
      fc.property(price, price, (p, b) => {
        const text = resultPercent((p / 1e6).toFixed(6), (b / 1e6).toFixed(6));
        const expected = ((p - b) / b) * 100;
        if (Math.abs(expected) >= 99_999) return;
        expect(text).not.toBeNull();
        expect(Math.abs(Number(text) - expected)).toBeLessThanOrEqual(0.00005 + Math.abs(expected) * 1e-12);
      }),
    );
  });
});

describe('statusRank', () => {
  it('orders open < expired < partial exit < targets < terminal, terminals alike', () => {
    const order = ['open', 'expired', 'partial_exit', 'target_1_hit', 'target_2_hit', 'target_10_hit'];
    for (let i = 1; i < order.length; i++) expect(statusRank(order[i])).toBeGreaterThan(statusRank(order[i - 1]));
    const terminal = ['target_final_hit', 'stopped', 'cancelled', 'closed'].map(statusRank);
    expect(new Set(terminal).size).toBe(1);
    expect(terminal[0]).toBeGreaterThan(statusRank('target_99_hit'));
  });
});

describe('resolveTarget', () => {
  it('takes the number given, the last target for ALVO FINAL, and the next one for an unnumbered hit', () => {
    expect(resolveTarget({ event: 'target_2_hit', target: 2 }, BOVAW22, [])).toBe(2);
    expect(resolveTarget({ event: 'target_final_hit', target: 'final' }, BOVAW22, [])).toBe(3);
    expect(resolveTarget({ event: 'target_hit', target: null }, BOVAW22, [])).toBe(1);
    expect(resolveTarget({ event: 'target_hit', target: null }, BOVAW22, [{ target: 1 }, { target: null }])).toBe(2);
    expect(resolveTarget({ event: 'target_hit', target: null }, BOVAW22, [{ target: 3 }])).toBe(3);
    expect(resolveTarget({ event: 'stopped', target: null }, BOVAW22, [])).toBeNull();
  });
});

describe('deriveOutcome', () => {
  it('records the highest target hit, its result and the time of each hit', () => {
    const outcome = deriveOutcome(BOVAW22, [event('target_2_hit', 2, '2025-10-23T10:00:00Z', '38'), event('target_1_hit', 1, '2025-10-21T15:00:00Z', '17.02')], NOW);
    expect(outcome).toEqual({
      status: 'target_2_hit',
      lastResultPct: '38',
      resultPct: '38.2979',
      resultBasis: 'target_2',
      highestTarget: 2,
      targetHits: { '1': '2025-10-21T15:00:00.000Z', '2': '2025-10-23T10:00:00.000Z' },
      firstTargetAt: at('2025-10-21T15:00:00Z'),
      stoppedAt: null,
    });
  });

  it('measures a stop before any target at the stop price', () => {
    const outcome = deriveOutcome(BOVAW22, [event('stopped', null, '2025-10-22T10:00:00Z', '-25')], NOW);
    expect(outcome).toMatchObject({ status: 'stopped', resultBasis: 'stop', resultPct: '-25.5319', stoppedAt: at('2025-10-22T10:00:00Z') });
  });

  it('never moves backwards, and ignores what follows a terminal event', () => {
    const outcome = deriveOutcome(
      BOVAW22,
      [
        event('target_2_hit', 2, '2025-10-22T10:00:00Z'),
        event('target_1_hit', 1, '2025-10-23T10:00:00Z'),
        event('partial_exit', null, '2025-10-24T10:00:00Z'),
        event('cancelled', null, '2025-10-25T10:00:00Z'),
        event('stopped', null, '2025-10-26T10:00:00Z'),
        event('target_final_hit', 3, '2025-10-27T10:00:00Z'),
      ],
      NOW,
    );
    expect(outcome).toMatchObject({ status: 'cancelled', highestTarget: 2, stoppedAt: null, resultBasis: 'target_2' });
    expect(Object.keys(outcome.targetHits)).toEqual(['1', '2']);
  });

  it('expires an open signal past its entry window, and not one with an outcome', () => {
    expect(deriveOutcome(BOVAW22, [], NOW).status).toBe('expired');
    expect(deriveOutcome(BOVAW22, [], at('2025-10-28T12:00:00Z')).status).toBe('open');
    expect(deriveOutcome({ ...BOVAW22, expiresAt: null }, [], NOW).status).toBe('open');
    expect(deriveOutcome(BOVAW22, [event('target_1_hit', 1, '2025-11-05T10:00:00Z')], NOW).status).toBe('target_1_hit');
  });
});

describe('deriveOutcome: the story after the signal', () => {
  const moved = (price: string | null, on: string): OutcomeEvent => ({ ...event('stop_moved', null, on), price });

  it('settles a stop hit after a move at the moved stop, and a breakeven at 0 %', () => {
    expect(deriveOutcome(BOVAW22, [moved('1.00', '2025-10-22T10:00:00Z'), event('stopped', null, '2025-10-23T10:00:00Z')], NOW)).toMatchObject({
      status: 'stopped',
      resultPct: '6.3830',
      resultBasis: 'moved_stop',
      currentStop: '1.00',
    });
    const breakeven = deriveOutcome(BOVAW22, [event('target_1_hit', 1, '2025-10-21T10:00:00Z'), moved('0.94', '2025-10-21T11:00:00Z'), event('stopped', null, '2025-10-23T10:00:00Z')], NOW);
    expect(breakeven).toMatchObject({ status: 'stopped', resultPct: '0.0000', resultBasis: 'moved_stop', highestTarget: 1 });
  });

  it('keeps the channel\'s way (the highest target) for a stop without a move, and the posted stop before any target', () => {
    expect(deriveOutcome(BOVAW22, [event('target_1_hit', 1, '2025-10-21T10:00:00Z'), event('stopped', null, '2025-10-23T10:00:00Z')], NOW)).toMatchObject({ resultBasis: 'target_1', resultPct: '17.0213' });
    expect(deriveOutcome(BOVAW22, [event('stopped', null, '2025-10-23T10:00:00Z')], NOW)).not.toHaveProperty('currentStop');
  });

  it('counts a partial exit and the stop as two halves, ignoring moves and changes after the end', () => {
    const outcome = deriveOutcome(
      BOVAW22,
      [
        event('target_1_hit', 1, '2025-10-21T10:00:00Z'),
        event('partial_exit', null, '2025-10-21T11:00:00Z', '50'),
        moved('0.94', '2025-10-21T12:00:00Z'),
        event('stopped', null, '2025-10-23T10:00:00Z'),
        moved('1.20', '2025-10-24T10:00:00Z'),
      ],
      NOW,
    );
    // (17,0213 + 0) ÷ 2, half away from zero.
    expect(outcome).toMatchObject({ resultPct: '8.5107', resultBasis: 'partial_exit+moved_stop', currentStop: '0.94' });
    // Without a target before it, the partial counts at the result its post states.
    expect(deriveOutcome(BOVAW22, [event('partial_exit', null, '2025-10-21T11:00:00Z', '10'), event('stopped', null, '2025-10-23T10:00:00Z')], NOW)).toMatchObject({
      resultPct: '-7.7660',
      resultBasis: 'partial_exit+stop',
    });
  });

  it('settles a hit at the changed target, and mirrors a sell', () => {
    const changed = { ...event('target_changed', 2, '2025-10-21T10:00:00Z'), price: '1.50' };
    expect(deriveOutcome(BOVAW22, [changed, event('target_2_hit', 2, '2025-10-22T10:00:00Z')], NOW)).toMatchObject({ resultPct: '59.5745', resultBasis: 'target_2' });
    const sell = { buyMin: '38.50', targets: ['37.00'], stop: '39.80', expiresAt: null, side: 'sell' };
    expect(deriveOutcome(sell, [event('target_1_hit', 1, '2025-10-22T10:00:00Z')], NOW).resultPct).toBe('3.8961');
    expect(deriveOutcome(sell, [event('stopped', null, '2025-10-22T10:00:00Z')], NOW).resultPct).toBe('-3.3766');
    expect(resultPercent('37.00', '38.50', 'sell')).toBe('3.8961');
  });

  it('settles a market entry at its percentage levels, and a breakeven without an entry price at 0 %', () => {
    const market = { buyMin: null, targets: [], stop: null, expiresAt: null, target1Pct: '20', stopPct: '-15' };
    expect(deriveOutcome(market, [event('target_1_hit', 1, '2025-10-22T10:00:00Z')], NOW).resultPct).toBe('20.0000');
    expect(deriveOutcome(market, [event('stopped', null, '2025-10-22T10:00:00Z')], NOW).resultPct).toBe('-15.0000');
    expect(deriveOutcome(market, [moved(null, '2025-10-21T10:00:00Z'), event('stopped', null, '2025-10-22T10:00:00Z')], NOW).resultPct).toBe('0.0000');
  });

  it('falls back to the result the channel stated when the level it reached has no price', () => {
    const market = { buyMin: null, targets: [], stop: null, expiresAt: null, target1Pct: '5' };
    expect(deriveOutcome(market, [event('target_1_hit', 1, '2025-10-22T10:00:00Z', '5.2'), event('target_2_hit', 2, '2025-10-23T10:00:00Z', '10')], NOW)).toMatchObject({ resultPct: '10.0000', resultBasis: 'target_2' });
    expect(deriveOutcome(market, [event('stopped', null, '2025-10-22T10:00:00Z', '-4')], NOW)).toMatchObject({ resultPct: '-4.0000', resultBasis: 'stop' });
    // A priced level always wins over the stated figure.
    expect(deriveOutcome(BOVAW22, [event('target_1_hit', 1, '2025-10-22T10:00:00Z', '99')], NOW).resultPct).toBe('17.0213');
  });
});
