import fc from 'fast-check';
import { SIGNAL_TEXT } from '../testing/fixtures';
import { parseSignalMessage, type ParsedSignal, type ParseResult } from './signal-parser';

const sentAt = new Date('2025-10-24T13:05:00Z');
const parse = (text: string, at = sentAt) => parseSignalMessage(text, at);

function signalOf(result: ParseResult): ParsedSignal {
  if (result.kind !== 'signal') throw new Error(`expected a signal, got ${JSON.stringify(result)}`);
  return result.signal;
}

const channelPost = SIGNAL_TEXT;

describe('parseSignalMessage: the real channel format', () => {
  it('reads every field of a channel post', () => {
    expect(signalOf(parse(channelPost))).toEqual({
      asset: 'BOVAW32',
      signalType: 'Swing Trade',
      buyMin: '1.04',
      buyMax: '1.06',
      targets: ['1.15', '2.15', '3.50'],
      target1: '1.15',
      target2: '2.15',
      targetFinal: '3.50',
      stop: '0.70',
      expiresAt: new Date('2025-10-28T23:59:59-03:00'),
    });
  });
});

describe('parseSignalMessage: signal type', () => {
  it.each([
    ['🟢Swing Trade', 'Swing Trade'],
    ['🟢 SwingTrade', 'Swing Trade'],
    ['🔵Day Trade', 'Day Trade'],
    ['🔵 DAYTRADE', 'Day Trade'],
    ['⚡️Scalping', 'Scalping'],
    ['⚡️ scalping', 'Scalping'],
  ])('reads the header %p', (header, type) => {
    expect(signalOf(parse(`${header}\nAtivo: PETR4\nCompra: 30,00`)).signalType).toBe(type);
  });

  it('reads a TIPO line', () => {
    expect(signalOf(parse('Ativo: PETR4\nTIPO DAY TRADE\nCompra: 30,00')).signalType).toBe('Day Trade');
  });

  it('leaves the type null when none is stated', () => {
    expect(signalOf(parse('Ativo: PETR4\nCompra: 30,00')).signalType).toBeNull();
  });
});

describe('parseSignalMessage: asset', () => {
  it.each([
    ['Ativo: PETR4', 'PETR4'],
    ['ATIVO BOVA11', 'BOVA11'],
    ['Ativo: bovaw32', 'BOVAW32'],
    ['ativo:PETRK382', 'PETRK382'],
    ['Ativo: WINZ25', 'WINZ25'],
    ['ATIVO: WDOF26', 'WDOF26'],
    ['Ativo: AAPL34', 'AAPL34'],
  ])('reads %p', (line, asset) => {
    expect(signalOf(parse(`${line}\nCompra: 1,00`)).asset).toBe(asset);
  });

  it('never takes the word COMPRA for an asset', () => {
    const result = parse('COMPRA: 1,04 a 1,06\nAlvo 1: 1,15');
    expect(result).toEqual({ kind: 'warning', warning: expect.stringMatching(/no recognisable B3 ticker/) });
  });

  it('warns when the Ativo line does not hold a ticker', () => {
    expect(parse('Ativo: COMPRA\nCompra: 1,00').kind).toBe('warning');
  });
});

describe('parseSignalMessage: buy range', () => {
  it.each([
    ['Compra: 1,04 a 1,06', '1.04', '1.06'],
    ['COMPRA: 0.25-0.27', '0.25', '0.27'],
    ['Compra: 0,90 – 0,94', '0.90', '0.94'],
    ['Compra de: 12,50 até 13,00', '12.50', '13.00'],
    ['Compra: R$ 25,50', '25.50', '25.50'],
    ['Compra: R$1.250,50 a R$1.260,00', '1250.50', '1260.00'],
    ['Compra: 125.300,00 a 126.000', '125300.00', '126000'],
    ['Compra: 1,06 a 1,04', '1.04', '1.06'],
    ['compra 30', '30', '30'],
  ])('reads %p', (line, min, max) => {
    const signal = signalOf(parse(`Ativo: WINZ25\n${line}`));
    expect([signal.buyMin, signal.buyMax]).toEqual([min, max]);
  });
});

describe('parseSignalMessage: targets, stop and expiry', () => {
  it('keeps all targets in order and fills the dashboard columns', () => {
    const signal = signalOf(parse('Ativo: PETR4\nCompra: 30\nAlvo 1: 31\nAlvo 2: 32\nAlvo 3: 33\nAlvo geral: 35'));
    expect(signal.targets).toEqual(['31', '32', '33', '35']);
    expect([signal.target1, signal.target2, signal.targetFinal]).toEqual(['31', '32', '35']);
  });

  it('fills target_final only when stated', () => {
    const signal = signalOf(parse('Ativo: PETR4\nCompra: 30\nAlvo 1: 31\nAlvo 2: 32'));
    expect(signal.targetFinal).toBeNull();
  });

  it('reads a stop without a colon', () => {
    expect(signalOf(parse('Ativo: PETR4\nCompra: 0,50\nStop 0,42')).stop).toBe('0.42');
  });

  it('reads a STOP LOSS line', () => {
    expect(signalOf(parse('Ativo: PETR4\nCompra: 0,50\nSTOP LOSS: 0,40')).stop).toBe('0.40');
  });

  it('puts an expiry already past in the next year', () => {
    const signal = signalOf(parse('Ativo: PETR4\nCompra: 30\nválida até dia 05/01', new Date('2025-12-20T12:00:00Z')));
    expect(signal.expiresAt).toEqual(new Date('2026-01-05T23:59:59-03:00'));
  });

  it('ignores an impossible expiry date', () => {
    expect(signalOf(parse('Ativo: PETR4\nCompra: 30\naté dia 31/02')).expiresAt).toBeNull();
  });
});

describe('parseSignalMessage: sanity checks', () => {
  it('warns when the stop is not below the entry', () => {
    const result = parse('Ativo: PETR4\nCompra: 1,04 a 1,06\nStop: 1,05');
    expect(result).toEqual({ kind: 'warning', warning: expect.stringMatching(/stop 1.05 is not below/) });
  });

  it('warns when a target is not above the entry', () => {
    expect(parse('Ativo: PETR4\nCompra: 1,04 a 1,06\nAlvo 1: 1,05').kind).toBe('warning');
  });

  it('warns when targets are not ascending', () => {
    const result = parse('Ativo: PETR4\nCompra: 1,00\nAlvo 1: 1,50\nAlvo 2: 1,20');
    expect(result).toEqual({ kind: 'warning', warning: expect.stringMatching(/not ascending/) });
  });

  it('warns when an asset has no buy price', () => {
    expect(parse('Ativo: PETR4\nAlvo 1: 31').kind).toBe('warning');
  });
});

describe('parseSignalMessage: lifecycle updates', () => {
  it.each([
    ['BOVAW22 ALVO 1 ATINGIDO ✅ +17,02%', 'target_1_hit', 'BOVAW22', '17.02', 1],
    ['PETRK382 alvo 2 atingido +35%', 'target_2_hit', 'PETRK382', '35', 2],
    ['ALVO FINAL ATINGIDO 🚀', 'target_final_hit', null, null, 'final'],
    ['BOVAW32 ALVO GERAL BATIDO +120,5%', 'target_final_hit', 'BOVAW32', '120.5', 'final'],
    ['CYREW296 stop -25%', 'stopped', 'CYREW296', '-25', null],
    ['Stop atingido', 'stopped', null, null, null],
    ['PETR4 stopado -3,2%', 'stopped', 'PETR4', '-3.2', null],
    ['Operação CANCELADA ❌ BOVAW32', 'cancelled', 'BOVAW32', null, null],
  ])('reads %p as an update', (text, event, asset, percentage, target) => {
    expect(parse(text)).toEqual({ kind: 'update', update: { event, asset, percentage, target } });
  });
});

describe('parseSignalMessage: everything else is a message', () => {
  it.each([
    ['Bom dia, traders! ☀️'],
    [''],
    ['   \n  '],
    ['Mercado abriu em alta hoje, fiquem atentos'],
  ])('%p', (text) => {
    expect(parse(text)).toEqual({ kind: 'message' });
  });
});

describe('parseSignalMessage: recaps are messages that say so', () => {
  it('reads `Resultado da semana` as a recap message with a note', () => {
    expect(parse('Resultado da semana: +42% no acumulado')).toEqual({ kind: 'message', recap: true, note: expect.stringMatching(/^recap/) });
  });
});

describe('parseSignalMessage: the verbatim posts of the channel', () => {
  it('reads the BOVAW32 signal, its spaces and blank lines as posted', () => {
    const text = '🟢Swing Trade \n \nAtivo: BOVAW32\nCompra: 1,04 a 1,06\nAlvo 1: 1,15\nAlvo 2: 2,15\nAlvo final: 3,50\n\nStop: 0,70\n\nA ordem ficará posicionada no Book até dia 28/10';
    expect(parse(text)).toEqual(parse(SIGNAL_TEXT));
    expect(signalOf(parse(text))).toMatchObject({ asset: 'BOVAW32', buyMin: '1.04', targets: ['1.15', '2.15', '3.50'], stop: '0.70' });
  });

  it('reads the target-hit post with the result on its own line', () => {
    expect(parse('BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%')).toEqual({ kind: 'update', update: { event: 'target_1_hit', asset: 'BOVAW22', percentage: '17.02', target: 1 } });
  });

  it('reads the lowercase stop post', () => {
    expect(parse('CYREW296 stop\n-25%')).toEqual({ kind: 'update', update: { event: 'stopped', asset: 'CYREW296', percentage: '-25', target: null } });
  });

  it('reads the cancel naming its asset after Ativo:', () => {
    expect(parse('Operação CANCELADA\nAtivo: MGLUK45 não atingiu o preço de entrada.')).toEqual({
      kind: 'update',
      update: { event: 'cancelled', asset: 'MGLUK45', percentage: null, target: null },
    });
  });

  it('reads a cancel without a ticker, for the lifecycle to apply to the replied-to or newest open signal', () => {
    expect(parse('Operação CANCELADA - ignore o sinal anterior')).toEqual({ kind: 'update', update: { event: 'cancelled', asset: null, percentage: null, target: null } });
  });
});

describe('parseSignalMessage: layouts', () => {
  it('reads issuer codes with a digit and their options', () => {
    expect(signalOf(parse('Ativo: B3SA3\nCompra: 12,40\nAlvo: 13,00')).asset).toBe('B3SA3');
    expect(signalOf(parse('Ativo: B3SAW125\nCompra: 0,30 a 0,32\nAlvo 1: 0,40')).asset).toBe('B3SAW125');
  });

  it('reads Papel/Entrada/TP/SL', () => {
    expect(signalOf(parse('Day Trade 🔵\n\nPapel: PETR4\nEntrada: 38,50\nTP: 39,00\nSL: 38,00'))).toEqual({
      asset: 'PETR4',
      signalType: 'Day Trade',
      buyMin: '38.50',
      buyMax: '38.50',
      targets: ['39.00'],
      target1: '39.00',
      target2: null,
      targetFinal: null,
      stop: '38.00',
      expiresAt: null,
    });
  });

  it('numbers unnumbered and listed targets in order', () => {
    const signal = signalOf(parse('COMPRA WINZ25 @ 120500 SL 120300 Alvos: 120700, 120900, 121100'));
    expect(signal).toMatchObject({ asset: 'WINZ25', buyMin: '120500', stop: '120300', targets: ['120700', '120900', '121100'], target1: '120700', target2: '120900' });
  });

  it.each([
    ['Ativo: WINFUT\nCompra: 126.350\nAlvo: 126.650\nStop: 126.150', 'WINFUT'],
    ['Ativo: WDOFUT\nCompra: 5.420,0\nAlvo: 5.440,0', 'WDOFUT'],
    ['Ativo: WIN$\nCompra: 126350\nAlvo: 126700', 'WIN$'],
  ])('reads continuous futures (%#)', (text, asset) => {
    expect(signalOf(parse(text)).asset).toBe(asset);
  });

  it('reads the DATA/CANAL/TIPO/ATIVO layout without colons', () => {
    const text = 'DATA 07/10/2025 17:25:59\nCANAL TP Capital\nTIPO Swing Trade\nATIVO BEEFW655\nCOMPRA 0.25-0.27\nALVO 1 0.35\nALVO 2 0.56\nALVO FINAL 2.00\nSTOP 0.16';
    expect(signalOf(parse(text))).toMatchObject({ asset: 'BEEFW655', signalType: 'Swing Trade', buyMin: '0.25', buyMax: '0.27', target1: '0.35', target2: '0.56', targetFinal: '2.00', stop: '0.16' });
  });

  it('reads a CRLF post like its LF twin', () => {
    expect(parse(SIGNAL_TEXT.replace(/\n/g, '\r\n'))).toEqual(parse(SIGNAL_TEXT));
  });

  it('reads a pipe-separated photo caption', () => {
    expect(signalOf(parse('📈 B3SAW125 | Compra 0,50 | Alvo 0,80 | Stop 0,30'))).toMatchObject({ asset: 'B3SAW125', buyMin: '0.50', target1: '0.80', stop: '0.30' });
  });

  it('never reads Stop Gain as the stop', () => {
    expect(signalOf(parse('Papel: SUZB3\nEntrada: 52,30\nStop Gain: 55,00\nStop Loss: 50,90'))).toMatchObject({ targets: ['55.00'], stop: '50.90' });
  });

  it('reads a sell signal as a sell, never as a buy', () => {
    expect(signalOf(parse('VENDA: VALE3 @ R$ 65.30 - Stop: R$ 66.00 - Alvo: R$ 63.50'))).toMatchObject({ side: 'sell', asset: 'VALE3', buyMin: '65.30', stop: '66.00', targets: ['63.50'] });
  });
});

describe('parseSignalMessage: closes and partial exits', () => {
  it.each([
    ['BOVAW32 operação ENCERRADA +45%', 'closed', 'BOVAW32', '45'],
    ['ZERAR B3SAW125', 'closed', 'B3SAW125', null],
    ['SAÍDA PARCIAL BOVAW32 +30%', 'partial_exit', 'BOVAW32', '30'],
    ['MGLUK45 - realizar parcial de 50% e manter o restante', 'partial_exit', 'MGLUK45', '50'],
    ['ALVO ATINGIDO ✅ BOVA11 +4,2%', 'target_hit', 'BOVA11', '4.2'],
  ])('reads %p', (text, event, asset, percentage) => {
    expect(parse(text)).toEqual({ kind: 'update', update: { event, asset, percentage, target: null } });
  });
});

describe('parseSignalMessage: commentary stays commentary', () => {
  it.each([
    ['PETZ3 - O ativo está fazendo uma flâmula no gráfico diário.'],
    ['BOVA11\n\nO ativo veio tocar novamente a região do 144...'],
    ['Pregão encerrado! PETR4 fechou em alta de 2%.'],
    ['A live de hoje foi cancelada, remarcamos para amanhã.'],
    ['Boa oportunidade de compra em PETR4 na região de 30,00, mas aguardem o sinal.'],
    ['Lembrando: sempre respeitem o stop!'],
    ['VALE3 - O ativo rompeu a resistência em 62,00. Compra acima de 62,50 com alvo em 65,00 e stop em 60,80.'],
  ])('%p', (text) => {
    expect(parse(text)).toEqual({ kind: 'message' });
  });
});

describe('parseSignalMessage: properties', () => {
  const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
  const ptBr = (n: number) => `${String(Math.floor(n / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${String(n % 100).padStart(2, '0')}`;
  const issuer = fc.constantFrom('PETR', 'VALE', 'BOVA', 'B3SA', 'MGLU', 'CYRE', 'ITUB', 'BBDC', 'LREN', 'ABEV');
  const ticker = fc.oneof(
    fc.tuple(issuer, fc.constantFrom('3', '4', '11', '34', '3F')).map(([i, c]) => i + c),
    fc.tuple(issuer, fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWX'), fc.integer({ min: 1, max: 999 })).map(([i, s, k]) => `${i}${s}${k}`),
    fc.constantFrom('WINZ25', 'WDOF26', 'WINFUT', 'WDOFUT', 'WIN$', 'DI1F27'),
  );
  // Levels in cents: stop < buy range < target 1 < target 2 < final.
  const levels = fc
    .tuple(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 20_000_000 }), fc.integer({ min: 0, max: 500 }), fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 3, maxLength: 3 }))
    .map(([gap, buyMin, spread, steps]) => {
      const buyMax = buyMin + spread;
      const t1 = buyMax + steps[0];
      return { stop: Math.max(0, buyMin - gap), buyMin, buyMax, t1, t2: t1 + steps[1], final: t1 + steps[1] + steps[2] };
    })
    .filter((l) => l.stop < l.buyMin);
  const layouts: Array<(t: string, l: Record<string, string>) => string> = [
    (t, l) => `🟢Swing Trade \n \nAtivo: ${t}\nCompra: ${l.buyMin} a ${l.buyMax}\nAlvo 1: ${l.t1}\nAlvo 2: ${l.t2}\nAlvo final: ${l.final}\n\nStop: ${l.stop}`,
    (t, l) => `DATA 07/10/2025 17:25:59\nCANAL TP Capital\nTIPO Swing Trade\nATIVO ${t}\nCOMPRA ${l.buyMin}-${l.buyMax}\nALVO 1 ${l.t1}\nALVO 2 ${l.t2}\nALVO FINAL ${l.final}\nSTOP ${l.stop}`,
    (t, l) => `🟢Swing Trade\r\nAtivo: ${t} | Compra de ${l.buyMin} até ${l.buyMax} | Alvo 1: ${l.t1} | Alvo 2: ${l.t2} | Alvo final: ${l.final} | Stop: ${l.stop}`,
    (t, l) => `🟢 Swing Trade\n📊 Ativo: ${t}\n💰 Compra: R$ ${l.buyMin} – R$ ${l.buyMax}\n🎯 Alvo 1: ${l.t1}\n🎯 Alvo 2: ${l.t2}\n🏁 Alvo final: ${l.final}\n🛑 Stop Loss: ${l.stop}`,
  ];

  it('reads every level of a generated post exactly, in every layout', () => {
    fc.assert(
      fc.property(ticker, levels, fc.integer({ min: 0, max: layouts.length - 1 }), (t, l, layout) => {
        const written = Object.fromEntries(Object.entries(l).map(([k, v]) => [k, ptBr(v)]));
        expect(signalOf(parse(layouts[layout](t, written)))).toEqual({
          asset: t,
          signalType: 'Swing Trade',
          buyMin: cents(l.buyMin),
          buyMax: cents(l.buyMax),
          targets: [cents(l.t1), cents(l.t2), cents(l.final)],
          target1: cents(l.t1),
          target2: cents(l.t2),
          targetFinal: cents(l.final),
          stop: cents(l.stop),
          expiresAt: null,
        });
      }),
    );
  });

  it('answers any text with one of the four kinds and exact decimals, never throwing', () => {
    const decimal = /^(0|[1-9]\d*)(\.\d+)?$/;
    const words = fc.constantFrom('Ativo:', 'Compra', 'Alvo 1', 'Stop', 'TP', 'SL', 'PETR4', 'B3SAW125', '1,04', '1.250,50', 'a', '-', '|', '✅', '%', 'ATINGIDO', 'CANCELADA', '\n', '\r\n', 'até dia 28/10');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(words, { maxLength: 40 }).map((w) => w.join(' '))), (text) => {
        const result = parse(text);
        expect(['signal', 'update', 'warning', 'message']).toContain(result.kind);
        if (result.kind === 'signal') {
          const s = result.signal;
          for (const value of [s.buyMin, s.buyMax, ...s.targets, s.stop].filter((v): v is string => v !== null)) expect(value).toMatch(decimal);
        }
        if (result.kind === 'update' && result.update.percentage !== null) expect(result.update.percentage).toMatch(/^-?(0|[1-9]\d*)(\.\d+)?$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSignalMessage: v4 forms', () => {
  it('never reads a partial sale of a buy as a sell signal', () => {
    expect(parse('PETR4 - Venda parcial de 50% no alvo 1')).toMatchObject({ kind: 'update', update: { event: 'partial_exit', asset: 'PETR4' } });
    expect(signalOf(parse('Ativo: PETR4\nCompra: 38,00\nAlvo 1: 40,00\nStop: 36,50\nVenda parcial no alvo 1'))).not.toHaveProperty('side');
  });

  it('groups thousands with a space only in posts about futures or points', () => {
    expect(signalOf(parse('COMPRA WINZ25 @ 157 850\nAlvo: 158 300\nStop: 157 500'))).toMatchObject({ buyMin: '157850', targets: ['158300'], stop: '157500' });
    expect(signalOf(parse('Ativo: PETR4\nCompra: 38,00\nAlvos: 40 42\nStop: 36'))).toMatchObject({ buyMin: '38.00', stop: '36' });
  });

  it('keeps a list post to one signal per asset, and a post naming one asset twice to one signal', () => {
    const twice = parse('PETR4 compra 38,50 alvo 40,00 stop 37,00\nPETR4 compra 38,00 alvo 40,00 stop 37,00');
    expect(twice.kind === 'signal' && twice.signals).toBeFalsy();
    const list = parse('PETR4 compra 38,50 alvo 40,00 stop 37,00\nVALE3 compra 61,00 alvo 64,00 stop 59,50\nVALE3 stop 58,00');
    expect(list).toMatchObject({ kind: 'signal', signals: [{ asset: 'PETR4' }, { asset: 'VALE3', stop: '59.50' }] });
  });

  it('stores a list post with one broken leg as its good legs and a note naming the broken one', () => {
    const result = parse('PETR4 compra 38,50 alvo 40,00 stop 37,00\nVALE3 compra 61,00 alvo 64,00 stop 62,00\nITUB4 compra 33,00 alvo 35,00 stop 32,00');
    expect(result).toMatchObject({ kind: 'signal', signals: [{ asset: 'PETR4' }, { asset: 'ITUB4' }], note: expect.stringMatching(/skipped: stop 62.00 is not below/) });
  });

  it('scopes an update to the type and the day it names', () => {
    expect(parse('Day trade: PETR4 alvo 1 atingido ✅')).toMatchObject({ kind: 'update', update: { signalType: 'Day Trade' } });
    expect(parse('PETR4 bateu o alvo 1 ontem ✅')).toMatchObject({ kind: 'update', update: { yesterday: true } });
  });
});

describe('parseSignalMessage: hostile runs of the v4 words', () => {
  it.each([
    ['stop ' + 'ao'.repeat(150) + 'x'],
    ['novo stop ' + 'ao '.repeat(100) + 'x'],
    ['subir o stop ' + 'para a '.repeat(45) + 'x'],
    ['novo alvo ' + 'de PETR4 '.repeat(30) + 'x'],
    [('Compra a mercado ' + 'PETR4 '.repeat(30) + '\n').repeat(20)],
    [('VENDA ' + 'PETR4 - '.repeat(40) + '\n').repeat(10)],
  ])('reads %#', (text) => {
    const started = performance.now();
    parse(text);
    // Linear work takes milliseconds; a backtracking blow-up would take minutes.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
