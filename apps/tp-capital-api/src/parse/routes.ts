import { MAX_TEXT_LENGTH, SAFE_TEXT_PATTERN } from '@tp/ingest-contract';
import { type RouteSpec, int, json, nullable, obj, str } from '@tp/service-kit';
import { storableParse } from '../persistence/column-fit';
import { signalLevelFields } from '../signals/signal-fields';
import { parseSignalMessage, PARSER_VERSION, type ParseResult } from '../parser/signal-parser';

const price = nullable(str);

/** What ingest stores for a text: the message's parse columns, and the signal row or the update event. */
export const parsePreviewSchema = obj({
  parser_version: int,
  parse_kind: { enum: ['signal', 'update', 'warning', 'message'] },
  parse_warning: nullable(str),
  signal: nullable(
    obj({
      ...signalLevelFields(price),
      targets: { type: 'array', items: str },
      stop: price,
      expires_at: nullable(str),
      status: { const: 'open' },
    }),
  ),
  update: nullable(
    obj({
      event_type: str,
      asset: nullable(str),
      percentage: price,
      target: { type: ['integer', 'string', 'null'] },
    }),
  ),
});

/**
 * The stored shape of a parse, snake_case like the tables. Prices stay exact decimal strings
 * (the `numeric` columns hold them exactly), unlike the dashboard's JSON numbers.
 */
export function previewParse(result: ParseResult) {
  const signal = result.kind === 'signal' ? result.signal : null;
  const update = result.kind === 'update' ? result.update : null;
  return {
    parser_version: PARSER_VERSION,
    parse_kind: result.kind,
    parse_warning: result.kind === 'warning' ? result.warning : null,
    signal: signal && {
      asset: signal.asset,
      signal_type: signal.signalType,
      buy_min: signal.buyMin,
      buy_max: signal.buyMax,
      target_1: signal.target1,
      target_2: signal.target2,
      target_final: signal.targetFinal,
      targets: signal.targets,
      stop: signal.stop,
      expires_at: signal.expiresAt?.toISOString() ?? null,
      status: 'open' as const,
    },
    update: update && {
      event_type: update.event,
      asset: update.asset,
      percentage: update.percentage,
      target: update.target,
    },
  };
}

/** `POST /parse`: a dry run of the parser for onboarding a channel's format; writes nothing. */
export function parseRoutes(): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/parse',
      summary: 'Preview what ingest would store for a message text (no write)',
      tag: 'signals',
      auth: 'apiKey',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: {
          // The ingest contract's text rules, so a text accepted here is one /ingest would accept.
          text: { type: 'string', maxLength: MAX_TEXT_LENGTH, pattern: SAFE_TEXT_PATTERN, description: 'Message text or photo caption, as the gateway forwards it' },
          timestamp: { type: 'string', format: 'date-time', description: "The message's date; resolves `até dia DD/MM` to a year (default: now)" },
        },
      },
      responses: {
        200: json('{ data: ParsePreview }', obj({ data: parsePreviewSchema })),
        400: 'Invalid body',
        401: 'Missing or wrong X-API-Key',
        413: 'Body too large',
      },
      handler: async ({ res, body }) => {
        const { text, timestamp } = body as { text: string; timestamp?: string };
        // The same bounds ingest applies: a value its column cannot hold previews as the warning ingest stores.
        res.json({ data: previewParse(storableParse(parseSignalMessage(text, timestamp ? new Date(timestamp) : new Date()))) });
      },
    },
  ];
}
