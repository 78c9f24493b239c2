import corpus from './posts.json';
import { formatScore, scoreCorpus, type Corpus } from './score';

const posts = corpus as Corpus;

describe('parser corpus', () => {
  it('reads at least 99 % of the corpus fields exactly', () => {
    const score = scoreCorpus(posts);
    if (score.accuracy < 0.99) throw new Error(formatScore(score));
    expect(score.accuracy).toBeGreaterThanOrEqual(0.99);
  });

  it('holds posts of every layout the channels use', () => {
    const layouts = new Set(posts.posts.map((p) => p.layout));
    for (const layout of ['ativo-compra-alvos', 'papel-entrada-tp-sl', 'alvo-unnumbered', 'compra-de-ate', 'single-price', 'one-line', 'emoji-lines', 'crlf', 'data-canal-tipo', 'photo-caption', 'futures', 'update-target', 'update-stop', 'update-cancel', 'update-closed', 'update-partial', 'commentary',
      'sell', 'market-entry', 'multi-signal', 'update-stop-move', 'update-target-change', 'update-multi-event', 'update-reply', 'update-caption',
      'check-before-target', 'futures-points', 'space-thousands', 'value-next-line', 'recap']) {
      expect(layouts).toContain(layout);
    }
  });

  it('turns no commentary into a signal or an update', () => {
    const commentary = { sentAt: posts.sentAt, posts: posts.posts.filter((p) => p.layout === 'commentary') };
    expect(commentary.posts.length).toBeGreaterThan(10);
    expect(scoreCorpus(commentary).misses).toEqual([]);
  });

  it('reads every recap as a recap message, never as a signal or an update', () => {
    const recaps = { sentAt: posts.sentAt, posts: posts.posts.filter((p) => p.layout === 'recap') };
    expect(recaps.posts.length).toBeGreaterThanOrEqual(10);
    expect(recaps.posts.every((p) => p.expect.kind === 'message' && p.expect.recap === true)).toBe(true);
    expect(scoreCorpus(recaps).misses).toEqual([]);
  });

  it('reaches 99 % on every layout on its own', () => {
    const score = scoreCorpus(posts);
    const below = Object.entries(score.byLayout).filter(([, s]) => s.fieldsExact / s.fields < 0.99);
    expect(below).toEqual([]);
  });
});

describe('scoreCorpus', () => {
  const post = (expect: Corpus['posts'][number]['expect']): Corpus => ({
    sentAt: '2025-10-24T13:05:00.000Z',
    posts: [{ id: 'p1', layout: 'test', text: 'BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%', expect }],
  });

  it('counts the kind and every expected field', () => {
    const score = scoreCorpus(post({ kind: 'update', update: { event: 'target_1_hit', asset: 'BOVAW22', percentage: '17.02', target: 1 } }));
    expect(score).toMatchObject({ fields: 5, fieldsExact: 5, postsExact: 1, accuracy: 1, misses: [] });
  });

  it('names each field read wrongly', () => {
    const score = scoreCorpus(post({ kind: 'update', update: { event: 'target_2_hit', asset: 'BOVAW22', percentage: '17.2', target: 2 } }));
    expect(score.fieldsExact).toBe(2);
    expect(score.misses.map((m) => m.field)).toEqual(['event', 'percentage', 'target']);
  });

  it('fails every field of a post whose kind is wrong', () => {
    const score = scoreCorpus(post({ kind: 'signal', signal: { asset: 'BOVAW22', buyMin: '0.94' } }));
    expect(score).toMatchObject({ fields: 3, fieldsExact: 0 });
  });
});
