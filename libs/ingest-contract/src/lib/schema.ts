import type { FromSchema } from 'json-schema-to-ts';

/** Longest text accepted: Telegram caps a message at 4096 characters; the margin covers entities expanded by clients. */
export const MAX_TEXT_LENGTH = 16_384;
/** Largest batch accepted by `POST /ingest/batch`. */
export const MAX_BATCH_SIZE = 500;

export const MESSAGE_SOURCES = ['bot', 'user_client', 'backfill'] as const;

const isoDateTime = { type: 'string', format: 'date-time', maxLength: 64 } as const;
const positiveInt32 = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;

/** One Telegram message as the gateway sends it to the API. */
export const ingestMessageSchema = {
  $id: 'https://schemas.tp-capital.local/ingest-message.json',
  title: 'IngestMessage',
  type: 'object',
  additionalProperties: false,
  required: ['channelId', 'messageId', 'timestamp', 'text', 'source'],
  properties: {
    channelId: {
      type: 'string',
      pattern: '^-?[0-9]{1,20}$',
      description: 'Telegram chat id, e.g. "-1001649127710".',
    },
    messageId: { ...positiveInt32, description: 'Telegram message id, unique within its channel.' },
    timestamp: { ...isoDateTime, description: "Telegram's original message date (never the processing time)." },
    text: { type: 'string', maxLength: MAX_TEXT_LENGTH, description: 'Message text or caption; empty for media only.' },
    source: { type: 'string', enum: MESSAGE_SOURCES },
    channelTitle: { type: 'string', maxLength: 256 },
    editDate: { ...isoDateTime, description: 'Date of the latest edit, when the message was edited.' },
    replyToMessageId: positiveInt32,
    mediaGroupId: { type: 'string', minLength: 1, maxLength: 64 },
    photos: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['fileId', 'width', 'height'],
        properties: {
          fileId: { type: 'string', minLength: 1, maxLength: 256 },
          width: { type: 'integer', minimum: 0, maximum: 100_000 },
          height: { type: 'integer', minimum: 0, maximum: 100_000 },
        },
      },
    },
    forwardedFrom: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channelId: { type: 'string', pattern: '^-?[0-9]{1,20}$' },
        messageId: positiveInt32,
        name: { type: 'string', maxLength: 256 },
        date: isoDateTime,
      },
    },
  },
} as const;

/** Several messages in one request, used by the gateway to drain a backlog. */
export const ingestBatchSchema = {
  $id: 'https://schemas.tp-capital.local/ingest-batch.json',
  title: 'IngestBatch',
  type: 'object',
  additionalProperties: false,
  required: ['messages'],
  properties: {
    messages: { type: 'array', minItems: 1, maxItems: MAX_BATCH_SIZE, items: ingestMessageSchema },
  },
} as const;

export type IngestMessage = FromSchema<typeof ingestMessageSchema>;
export type IngestBatch = FromSchema<typeof ingestBatchSchema>;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];
