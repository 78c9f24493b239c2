import { dateTime, int, json, listOf, nullable, obj, str, type RouteSpec } from '@tp/service-kit';
import type { Request } from 'express';
import { limitSchema, parseTimeBound, timeBoundSchema } from '../http/query';
import type { MessageService } from './message-service';

const forwardedSchema = obj({
  id: int,
  ts: int,
  source_channel_id: str,
  source_channel_name: nullable(str),
  message_id: int,
  // Null only on messages imported from the original forwarder, as it stored them.
  message_text: nullable(str),
  image_url: nullable(str),
  image_width: nullable(int),
  image_height: nullable(int),
  forwarded_at: dateTime,
  // Where the gateway mirrored the message and how (forward | copy), or as the original forwarder stored it; null when not mirrored.
  destination_channel_id: nullable(str),
  forward_method: nullable(str),
  source: str,
  edit_date: nullable(dateTime),
  reply_to_message_id: nullable(int),
  media_group_id: nullable(str),
  photos: {},
  forwarded_from: {},
  parse_kind: nullable(str),
  parse_warning: nullable(str),
  parse_note: { ...nullable(str), description: 'What the parser recognised that changes nothing: a recap, a skipped leg of a list of signals' },
  parser_version: nullable(int),
  deleted_at: nullable(dateTime),
  ingested_at: dateTime,
  image_status: { ...nullable(str), description: 'stored, pending or failed: the fate of the photo image_url shows; null for a message without media references' },
  image_error: { ...nullable(str), description: 'Why the photo could not be fetched or kept (too large, expired, deleted by retention)' },
  media: {
    type: 'array',
    description: "The message's files in album order; url only for bytes the API holds",
    items: obj({ file_unique_id: str, status: str, url: nullable(str), width: nullable(int), height: nullable(int), reason: nullable(str) }),
  },
});

/** Where the browser reaches this API: PUBLIC_BASE_URL, else the origin the request was made to. */
const originOf = (req: Request, publicBaseUrl?: string) => publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;

/** `GET /forwarded-messages`: the raw messages, as the original forwarder's page reads them. */
export function forwardedMessageRoutes(messages: MessageService, options: { publicBaseUrl?: string } = {}): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/forwarded-messages',
      summary: 'Raw messages as received from the gateway, newest first, with the original field names',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), channelId: { type: 'string', maxLength: 32 }, from: timeBoundSchema, to: timeBoundSchema },
      },
      responses: { 200: json('{ data: ForwardedMessage[] }', listOf(forwardedSchema)), 400: 'Invalid filter' },
      handler: async ({ req, res, query }) => {
        const filter = {
          channelId: query.channelId ? String(query.channelId) : undefined,
          from: parseTimeBound(query.from, 'from'),
          to: parseTimeBound(query.to, 'to'),
          limit: Number(query.limit),
        };
        res.json({ data: await messages.recent(filter, originOf(req, options.publicBaseUrl)) });
      },
    },
  ];
}
