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
    ['Resultado da semana: +42% no acumulado'],
    [''],
    ['   \n  '],
    ['Mercado abriu em alta hoje, fiquem atentos'],
  ])('%p', (text) => {
    expect(parse(text)).toEqual({ kind: 'message' });
  });
});
