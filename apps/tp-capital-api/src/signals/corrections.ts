import { type RouteSpec, type Schema, dateTime, json, obj, str } from '@tp/service-kit';
import { InvalidInputError } from '../domain/errors';
import { API_KEY_NAME_LOCAL } from '../http/guards';
import { idParamsSchema } from '../http/query';
import { checkLevels } from '../parser/signal-parser';
import { classifyTicker } from '../parser/tickers';
import { decimalFits, PERCENTAGE_COLUMN, PRICE_COLUMN } from '../persistence/column-fit';
import type { SignalRow } from './signal-repository';
import type { SignalService } from './signal-service';

/** The fields a trader may correct, as the API names them, and the column each one sets. */
const PRICE_FIELDS = { buy_min: 'buyMin', buy_max: 'buyMax', target_1: 'target1', target_2: 'target2', target_final: 'targetFinal', stop: 'stop' } as const;
const PERCENT_FIELDS = { target_1_pct: 'target1Pct', stop_pct: 'stopPct' } as const;
type PriceField = keyof typeof PRICE_FIELDS;
type PercentField = keyof typeof PERCENT_FIELDS;
export const CORRECTABLE_FIELDS = ['asset', 'signal_type', 'side', ...Object.keys(PRICE_FIELDS), 'targets', ...Object.keys(PERCENT_FIELDS), 'expires_at'] as const;

const decimalInput = { type: ['number', 'string', 'null'], description: 'A price: a JSON number or an exact decimal string ("1.04"); null clears it' };
export const correctionBody: Schema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    asset: { type: 'string', minLength: 1, maxLength: 16, description: 'A B3 ticker' },
    signal_type: { type: ['string', 'null'], maxLength: 64 },
    side: { enum: ['buy', 'sell'] },
    ...Object.fromEntries(Object.keys(PRICE_FIELDS).map((k) => [k, decimalInput])),
    targets: { type: 'array', maxItems: 20, items: { type: ['number', 'string'] }, description: 'Every target in order, final included' },
    target_1_pct: { ...decimalInput, description: 'Target 1 as a result in percent, when the entry had no price' },
    stop_pct: { ...decimalInput, description: 'Stop as a result in percent (negative), when the entry had no price' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

const invalid = (path: string, message: string) => new InvalidInputError(`invalid body: ${path} ${message}`, [{ path, message, in: 'body' }]);

/** An exact decimal string from a JSON number or string; 400 naming the field otherwise. */
function decimal(path: string, value: unknown, column = PRICE_COLUMN, signed = false): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value).trim();
  // JSON numbers may arrive in exponent form (1e-7); only plain decimals are stored exactly.
  const pattern = signed ? /^-?\d+(?:\.\d+)?$/ : /^\d+(?:\.\d+)?$/;
  if (!pattern.test(text)) throw invalid(path, signed ? 'must be a decimal number' : 'must be a positive decimal number');
  if (!signed && /^0+(?:\.0+)?$/.test(text)) throw invalid(path, 'must be greater than 0');
  if (!decimalFits(text, column)) throw invalid(path, `does not fit numeric(${column.precision},${column.scale})`);
  return text.replace(/^(-?)0+(?=\d)/, '$1');
}

/** The row's values of the correctable fields, as the API names them (prices as exact strings). */
function correctableValues(r: SignalRow): Record<string, unknown> {
  return {
    asset: r.asset,
    signal_type: r.signalType,
    side: r.side,
    ...Object.fromEntries(Object.entries(PRICE_FIELDS).map(([k, c]) => [k, r[c]])),
    targets: r.targets,
    ...Object.fromEntries(Object.entries(PERCENT_FIELDS).map(([k, c]) => [k, r[c]])),
    expires_at: r.expiresAt ? r.expiresAt.toISOString() : null,
  };
}

const sameValue = (a: unknown, b: unknown) => {
  const norm = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? v.replace(/\.?0+$/, '') : Array.isArray(v) ? v.map(norm) : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
};

/**
 * The corrected values: the body over the row, validated field by field (400 naming the field),
 * with `target_1`/`target_2`/`target_final` and `targets` kept in step, then the levels checked as
 * a new signal's are (a sell's mirrored).
 */
function corrected(row: SignalRow, body: Record<string, unknown>): Record<string, unknown> {
  const next = correctableValues(row);
  if (body.asset !== undefined) {
    const ticker = classifyTicker(String(body.asset));
    if (!ticker) throw invalid('asset', 'must be a B3 ticker (PETR4, BOVAW32, WINZ25)');
    next.asset = ticker.ticker;
  }
  if (body.signal_type !== undefined) next.signal_type = body.signal_type;
  if (body.side !== undefined) next.side = body.side;
  for (const field of Object.keys(PRICE_FIELDS) as PriceField[]) {
    if (body[field] !== undefined) next[field] = body[field] === null ? null : decimal(field, body[field]);
  }
  for (const field of Object.keys(PERCENT_FIELDS) as PercentField[]) {
    if (body[field] !== undefined) next[field] = body[field] === null ? null : decimal(field, body[field], PERCENTAGE_COLUMN, true);
  }
  if (body.expires_at !== undefined) next.expires_at = body.expires_at;
  const targets = [...(next.targets as string[])];
  if (body.targets !== undefined) {
    const list = (body.targets as unknown[]).map((t, i) => decimal(`targets.${i}`, t));
    next.targets = list;
    if (body.target_1 === undefined) next.target_1 = list[0] ?? null;
    if (body.target_2 === undefined) next.target_2 = list[1] ?? null;
    if (body.target_final === undefined && row.targetFinal !== null) next.target_final = list.length >= 3 ? list[list.length - 1] : null;
  } else {
    // The list outcomes read follows the labelled targets a correction changes.
    if (body.target_1 !== undefined) targets[0] = next.target_1 as string;
    if (body.target_2 !== undefined) targets[1] = next.target_2 as string;
    if (body.target_final !== undefined) {
      if (row.targetFinal !== null && targets.length) targets[targets.length - 1] = next.target_final as string;
      else targets.push(next.target_final as string);
    }
    next.targets = targets.filter((t) => t !== null && t !== undefined);
  }
  const [min, max] = [next.buy_min as string | null, next.buy_max as string | null];
  if ((min === null) !== (max === null)) throw invalid(min === null ? 'buy_min' : 'buy_max', 'must be given with the other end of the entry range (both null for a market entry)');
  if (min !== null && max !== null && Number(min) > Number(max)) throw invalid('buy_min', 'must not be above buy_max');
  const problem = checkLevels({
    side: next.side as 'buy' | 'sell',
    buyMin: min,
    buyMax: max,
    stop: next.stop as string | null,
    targets: next.targets as string[],
  });
  if (problem) throw invalid(/^stop/.test(problem) ? 'stop' : 'targets', problem);
  return next;
}

/** The columns of corrected values. */
function columnsOf(values: Record<string, unknown>) {
  return {
    asset: values.asset as string,
    signalType: values.signal_type as string | null,
    side: values.side as string,
    buyMin: values.buy_min as string | null,
    buyMax: values.buy_max as string | null,
    target1: values.target_1 as string | null,
    target2: values.target_2 as string | null,
    targetFinal: values.target_final as string | null,
    targets: values.targets as string[],
    stop: values.stop as string | null,
    target1Pct: values.target_1_pct as string | null,
    stopPct: values.stop_pct as string | null,
    expiresAt: values.expires_at ? new Date(values.expires_at as string) : null,
  };
}

export interface CorrectionResult {
  /** Fields whose value changed; empty when the body restated what was stored (no version is kept). */
  changed: string[];
}

/** What a correction would change on `row`: the values before and after, and the fields that differ. */
export function planCorrection(row: SignalRow, body: Record<string, unknown>) {
  const before = correctableValues(row);
  const after = corrected(row, body);
  const changed = Object.keys(after).filter((k) => !sameValue(before[k], after[k]));
  return { before, after, changed, columns: columnsOf(after) };
}

export const versionSchema: Schema = obj({
  previous: { type: 'object', description: 'The corrected fields as they were before this correction' },
  corrected_by: { ...str, description: "The name of the API key that made the correction" },
  corrected_at: dateTime,
});

/** `PUT /signals/:id`: a trader's correction of the parsed fields. */
export function correctionRoute(service: Pick<SignalService, 'correct' | 'get'>, signalWithVersions: Schema): RouteSpec {
  return {
    method: 'put',
    path: '/signals/:id',
    summary: 'Correct parsed fields of a signal; the previous values are kept as a version with who and when, and the outcome is re-derived',
    tag: 'signals',
    auth: 'apiKey',
    params: idParamsSchema,
    body: correctionBody,
    responses: {
      200: json('{ data: Signal & { events, versions }, changed }', obj({ data: signalWithVersions, changed: { type: 'array', items: str } })),
      400: 'Invalid body: the field is named in `details`',
      401: 'Missing or wrong X-API-Key',
      404: 'No such signal',
      409: 'The corrected asset is already a signal of the same post',
    },
    handler: async ({ res, params, body }) => {
      const id = Number(params.id);
      const by = String(res.locals[API_KEY_NAME_LOCAL] ?? 'unknown');
      const { changed } = await service.correct(id, body as Record<string, unknown>, by);
      res.json({ data: await service.get(id), changed });
    },
  };
}
