import { classifyTicker, findTickers, type TickerClass } from './tickers';

const classOf = (raw: string) => classifyTicker(raw)?.class ?? null;

describe('classifyTicker: B3 classes', () => {
  const table: Array<[TickerClass, string[]]> = [
    ['share', ['PETR3', 'PETR4', 'B3SA3', 'USIM5', 'ELET6', 'CEPE7', 'CEEB8', 'mglu3']],
    ['unit', ['BOVA11', 'TAEE11', 'SANB11', 'KLBN11']],
    ['bdr', ['AAPL34', 'MSFT34', 'ROXO34', 'AMZO34', 'BERK32', 'TSLA33', 'NVDC35', 'BIVB39']],
    ['subscription_right', ['MGLU1', 'PETR2']],
    ['subscription_receipt', ['MGLU9', 'ITUB10']],
    ['subscription_warrant', ['VIVR12', 'ALPK13']],
    ['call_option', ['BOVAW32'.replace('W', 'A'), 'PETRA10', 'PETRK382', 'KLBNK177', 'ABEVK122', 'B3SAA125', 'BBDCL20E', 'PETRA280W2']],
    ['put_option', ['BOVAW32', 'BOVAW22', 'B3SAW125', 'MGLUW45', 'CYREW296', 'BEEFW655', 'VALEM60', 'PETRX30E']],
    ['future', ['WINZ25', 'WDOF26', 'INDG26', 'DOLH26', 'BGIV25', 'CCMK26', 'ICFN26', 'SFIU26', 'DI1F27']],
    ['continuous_future', ['WINFUT', 'WDOFUT', 'WIN$', 'WDO$', 'WIN$N', 'INDFUT', 'DOL$']],
  ];
  for (const [cls, tickers] of table) {
    it.each(tickers)(`reads %s as ${cls}`, (ticker) => {
      expect(classOf(ticker)).toBe(cls);
    });
  }

  it('keeps the fractional suffix as part of the ticker', () => {
    expect(classifyTicker('PETR4F')).toEqual({ ticker: 'PETR4F', class: 'share', root: 'PETR', fractional: true });
    expect(classifyTicker('BOVA11F')).toMatchObject({ class: 'unit', fractional: true });
    expect(classifyTicker('AAPL34F')).toMatchObject({ class: 'bdr', fractional: true });
  });

  it('names the issuer code, digits included', () => {
    expect(classifyTicker('B3SAW125')).toMatchObject({ root: 'B3SA', class: 'put_option' });
    expect(classifyTicker('DI1F27')).toMatchObject({ root: 'DI1', class: 'future' });
  });

  it.each(['MGLUK45', 'MGLUW45'])('tells a call from a put by the series letter (%s)', (ticker) => {
    expect(classOf(ticker)).toBe(ticker[4] <= 'L' ? 'call_option' : 'put_option');
  });
});

describe('classifyTicker: not tickers', () => {
  it.each([
    'COMPRA', 'ATIVO', 'STOP', 'ALVO', 'ALVO1', 'STOP2', 'TIPO', 'PAPEL', 'ENTRADA', 'SWING', 'TRADE', 'CANAL',
    'PETR', 'PETR0', 'PETR14', 'PETR25', 'PETRY10', 'PETRA', 'WINA25', 'WINZ5', 'XYZ3', '3PETR4', 'WINFUTX', 'COVID19', '', 'R$',
  ])('%p', (word) => {
    expect(classifyTicker(word)).toBeNull();
  });
});

describe('findTickers', () => {
  it('finds every ticker in order, upper-cased, and no label words', () => {
    const text = 'ATIVO: b3saw125\nCOMPRA 0,50 a 0,52 (objeto B3SA3) STOP 0,30; WIN$ e WDOFUT seguem';
    expect(findTickers(text).map((t) => t.ticker)).toEqual(['B3SAW125', 'B3SA3', 'WIN$', 'WDOFUT']);
  });

  it('does not cut a ticker out of a longer word or number', () => {
    expect(findTickers('PETR4X 1PETR4 PETR45 B3SA3F1')).toEqual([]);
  });

  it('reads hashtagged tickers', () => {
    expect(findTickers('#KEPL3 | KEPLER WEBER | Fato Relevante').map((t) => t.ticker)).toEqual(['KEPL3']);
  });
});
