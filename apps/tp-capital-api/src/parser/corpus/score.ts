import { parseSignalMessage, type ParseResult } from '../signal-parser';

/**
 * A corpus of channel posts with the fields a correct parse yields. Field-exact accuracy counts,
 * per post, the kind plus every field of the expected signal or update; a field is right only when
 * it equals the expectation exactly (prices as decimal strings, dates as ISO instants).
 */
export interface CorpusPost {
  id: string;
  layout: string;
  text: string;
  /** When the post was sent (resolves `até dia DD/MM` to a year); defaults to the corpus's. */
  sentAt?: string;
  expect:
    /** `signals`: every signal of a post listing several, each with the fields to check. */
    | { kind: 'signal'; signal: Record<string, unknown>; signals?: Array<Record<string, unknown>> }
    /** `updates`: every event of a post holding several (a hit and a stop move). */
    | { kind: 'update'; update: Record<string, unknown>; updates?: Array<Record<string, unknown>> }
    | { kind: 'warning' }
    /** `recap: true` for a recap, which must change nothing. */
    | { kind: 'message'; recap?: boolean };
}

export interface Corpus {
  sentAt: string;
  posts: CorpusPost[];
}

export interface FieldMiss {
  id: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface Score {
  posts: number;
  postsExact: number;
  fields: number;
  fieldsExact: number;
  accuracy: number;
  byLayout: Record<string, { fields: number; fieldsExact: number }>;
  misses: FieldMiss[];
}

const comparable = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);
const same = (a: unknown, b: unknown) => JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));

// Optional fields read as their defaults: a signal without `side` is a buy, an update without `breakeven` is not one.
const signalFields = (s: object) => ({ side: 'buy', market: false, ...s }) as Record<string, unknown>;
const updateFields = (u: object) => ({ breakeven: false, ...u }) as Record<string, unknown>;

/** The fields of a parse, flattened: `signals[1].asset`, `updates[0].price`. */
function fieldsOf(result: ParseResult): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  const legs = (name: string, items: object[], shape: (o: object) => Record<string, unknown>) =>
    items.forEach((item, i) => Object.entries(shape(item)).forEach(([k, v]) => (flat[`${name}[${i}].${k}`] = v)));
  if (result.kind === 'signal') {
    legs('signals', result.signals ?? [result.signal], signalFields);
    return { ...signalFields(result.signal), ...flat };
  }
  if (result.kind === 'update') {
    legs('updates', result.updates ?? [result.update], updateFields);
    return { ...updateFields(result.update), ...flat };
  }
  if (result.kind === 'message') return { recap: result.recap ?? false };
  return {};
}

/** The expected fields, flattened the same way. */
function expectedOf(expect: CorpusPost['expect']): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  const legs = (name: string, items: Array<Record<string, unknown>> | undefined) =>
    items?.forEach((item, i) => Object.entries(item).forEach(([k, v]) => (flat[`${name}[${i}].${k}`] = v)));
  if (expect.kind === 'signal') {
    legs('signals', expect.signals);
    return { ...expect.signal, ...flat };
  }
  if (expect.kind === 'update') {
    legs('updates', expect.updates);
    return { ...expect.update, ...flat };
  }
  if (expect.kind === 'message' && expect.recap !== undefined) return { recap: expect.recap };
  return {};
}

export function scoreCorpus(corpus: Corpus, parse: typeof parseSignalMessage = parseSignalMessage): Score {
  const score: Score = { posts: 0, postsExact: 0, fields: 0, fieldsExact: 0, accuracy: 0, byLayout: {}, misses: [] };
  for (const post of corpus.posts) {
    const result = parse(post.text, new Date(post.sentAt ?? corpus.sentAt));
    const expected = expectedOf(post.expect);
    const actual = result.kind === post.expect.kind ? fieldsOf(result) : {};
    const checks: Array<[string, unknown, unknown]> = [['kind', post.expect.kind, result.kind]];
    for (const [field, value] of Object.entries(expected)) checks.push([field, value, actual[field]]);

    const layout = (score.byLayout[post.layout] ??= { fields: 0, fieldsExact: 0 });
    let exact = 0;
    for (const [field, want, got] of checks) {
      if (same(want, got)) exact++;
      else score.misses.push({ id: post.id, field, expected: want, actual: comparable(got) ?? null });
    }
    score.posts++;
    score.fields += checks.length;
    score.fieldsExact += exact;
    layout.fields += checks.length;
    layout.fieldsExact += exact;
    if (exact === checks.length) score.postsExact++;
  }
  score.accuracy = score.fields ? score.fieldsExact / score.fields : 1;
  return score;
}

export function formatScore(score: Score): string {
  const pct = (a: number, b: number) => `${((100 * a) / (b || 1)).toFixed(2)} %`;
  const lines = [
    `field-exact accuracy: ${pct(score.fieldsExact, score.fields)} (${score.fieldsExact}/${score.fields} fields, ${score.postsExact}/${score.posts} posts exact)`,
    ...Object.entries(score.byLayout).map(([layout, s]) => `  ${layout.padEnd(22)} ${pct(s.fieldsExact, s.fields).padStart(9)}  (${s.fieldsExact}/${s.fields})`),
  ];
  for (const miss of score.misses) {
    lines.push(`  miss ${miss.id} ${miss.field}: expected ${JSON.stringify(miss.expected)}, got ${JSON.stringify(miss.actual)}`);
  }
  return lines.join('\n');
}
