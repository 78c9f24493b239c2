import type { FromSchema } from 'json-schema-to-ts';
import { SAFE_TEXT_PATTERN } from '@tp/service-kit';
import { TIMESTAMP_PATTERN } from './timestamp';

/** Longest text accepted: Telegram caps a message at 4096 characters; the margin covers entities expanded by clients. */
export const MAX_TEXT_LENGTH = 16_384;
/** Largest batch accepted by `POST /ingest/batch`. */
export const MAX_BATCH_SIZE = 500;

export const MESSAGE_SOURCES = ['bot', 'user_client', 'backfill'] as const;

/**
 * Text policy (the services' one, from service-kit): NUL and lone UTF-16 surrogates are refused in
 * every free-text field; the gateway strips them before a message enters its outbox (`fitToContract`).
 */
export { SAFE_TEXT_PATTERN };
/** Longest channel title, forward name and photo file id accepted. */
export const MAX_NAME_LENGTH = 256;
/** Longest media group id accepted. */
export const MAX_MEDIA_GROUP_ID_LENGTH = 64;
/** Most photos attached to one message. */
export const MAX_PHOTOS = 20;
/** Most media references on one message (an album's photos each arrive as their own message). */
export const MAX_MEDIA = 20;
/** Longest Telegram `file_unique_id` accepted (Telegram's are about 16 characters). */
export const MAX_FILE_UNIQUE_ID_LENGTH = 128;
/** What became of a message's file: uploaded to `PUT /media/<sha256>`, still to come, or given up with a reason. */
export const MEDIA_STATUSES = ['stored', 'pending', 'failed'] as const;
export const SHA256_PATTERN = '^[0-9a-f]{64}$';
/** How a message reaches the destination channel: Telegram's forward, or a copy when the source forbids forwarding. */
export const FORWARD_METHODS = ['forward', 'copy'] as const;


const isoDateTime = { type: 'string', format: 'date-time', pattern: TIMESTAMP_PATTERN, maxLength: 64 } as const;
const safeText = { type: 'string', pattern: SAFE_TEXT_PATTERN } as const;
const positiveInt32 = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;

/**
 * One file of a message, in album order. The bytes travel on their own path (`PUT /media/<sha256>`,
 * then `POST /media/status` keyed by `fileUniqueId`), so the message never waits for them: it usually
 * says `pending`, and the API resolves the file's fate through `fileUniqueId`.
 */
export const mediaReferenceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fileUniqueId', 'kind', 'status'],
  properties: {
    fileUniqueId: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: MAX_FILE_UNIQUE_ID_LENGTH },
    kind: { type: 'string', enum: ['photo'] },
    sha256: { type: 'string', pattern: SHA256_PATTERN },
    width: { type: 'integer', minimum: 0, maximum: 100_000 },
    height: { type: 'integer', minimum: 0, maximum: 100_000 },
    status: { type: 'string', enum: MEDIA_STATUSES },
    reason: { ...safeText, maxLength: 500, description: 'Why a failed file could not be fetched.' },
  },
} as const;

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
    timestamp: { ...isoDateTime, description: "Telegram's original message date (never the processing time), UTC: YYYY-MM-DDTHH:MM:SS[.sss]Z, years 1970-9999." },
    text: { ...safeText, maxLength: MAX_TEXT_LENGTH, description: 'Message text or caption; empty for media only. No NUL, no lone surrogates.' },
    source: { type: 'string', enum: MESSAGE_SOURCES },
    channelTitle: { ...safeText, maxLength: MAX_NAME_LENGTH },
    editDate: { ...isoDateTime, description: 'Date of the latest edit, when the message was edited.' },
    replyToMessageId: positiveInt32,
    mediaGroupId: { ...safeText, minLength: 1, maxLength: MAX_MEDIA_GROUP_ID_LENGTH },
    photos: {
      type: 'array',
      maxItems: MAX_PHOTOS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['fileId', 'width', 'height'],
        properties: {
          fileId: { ...safeText, minLength: 1, maxLength: MAX_NAME_LENGTH },
          width: { type: 'integer', minimum: 0, maximum: 100_000 },
          height: { type: 'integer', minimum: 0, maximum: 100_000 },
        },
      },
    },
    media: { type: 'array', maxItems: MAX_MEDIA, items: mediaReferenceSchema, description: 'Files of the message in album order; optional (older gateways omit it).' },
    forwardedFrom: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channelId: { type: 'string', pattern: '^-?[0-9]{1,20}$' },
        messageId: positiveInt32,
        name: { ...safeText, maxLength: MAX_NAME_LENGTH },
        date: isoDateTime,
      },
    },
    forwardedTo: {
      type: 'object',
      additionalProperties: false,
      required: ['channelId', 'method'],
      description: 'Where the gateway mirrors the message (TELEGRAM_DESTINATION_CHANNEL_ID) and how: forwarded, or copied (photo and caption) from a channel that forbids forwarding. Optional.',
      properties: {
        channelId: { type: 'string', pattern: '^-?[0-9]{1,20}$' },
        method: { type: 'string', enum: FORWARD_METHODS },
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

/** Most message ids in one deletion record; the gateway splits larger Telegram deletions. */
export const MAX_DELETION_IDS = 100;

/**
 * Messages deleted from a channel, as the gateway sends them to `POST /ingest/deletions`. The API
 * records the deletion (a `deleted_at` on the message and its signal) and never removes a row.
 */
export const ingestDeletionSchema = {
  $id: 'https://schemas.tp-capital.local/ingest-deletion.json',
  title: 'IngestDeletion',
  type: 'object',
  additionalProperties: false,
  required: ['channelId', 'messageIds', 'deletedAt', 'source'],
  properties: {
    channelId: {
      type: 'string',
      pattern: '^-?[0-9]{1,20}$',
      description: 'Telegram chat id, e.g. "-1001649127710".',
    },
    messageIds: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DELETION_IDS,
      uniqueItems: true,
      items: positiveInt32,
      description: `Telegram ids of the deleted messages, 1–${MAX_DELETION_IDS}, each once.`,
    },
    deletedAt: { ...isoDateTime, description: 'When the gateway learned of the deletion (Telegram does not date deletions), UTC.' },
    source: { type: 'string', enum: MESSAGE_SOURCES },
  },
} as const;

export type IngestMessage = FromSchema<typeof ingestMessageSchema>;
export type MediaReference = FromSchema<typeof mediaReferenceSchema>;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];
export type IngestDeletion = FromSchema<typeof ingestDeletionSchema>;
export type IngestBatch = FromSchema<typeof ingestBatchSchema>;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];
