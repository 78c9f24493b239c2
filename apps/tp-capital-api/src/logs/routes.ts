import { forwardedMessages, ingestLogs, type Database } from '@tp/db-schema';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { iso, limitSchema, timeBoundSchema, timeRange } from '../http/query';
import type { RouteSpec } from '../http/route';

export function logRoutes(db: Database): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/logs',
      summary: 'Recent ingest and parse events (signals created, updates applied, warnings)',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), level: { type: 'string', enum: ['info', 'warn', 'error'] } },
      },
      responses: { 200: '{ data: LogEntry[] }' },
      handler: async ({ res, query }) => {
        const rows = await db
          .select()
          .from(ingestLogs)
          .where(query.level ? eq(ingestLogs.level, String(query.level)) : undefined)
          .orderBy(desc(ingestLogs.id))
          .limit(Number(query.limit));
        res.json({
          data: rows.map((r) => ({
            id: r.id,
            timestamp: iso(r.createdAt),
            level: r.level,
            event: r.event,
            message: r.message,
            channel_id: r.channelId,
            message_id: r.messageId,
            details: r.details,
          })),
        });
      },
    },
    {
      method: 'get',
      path: '/forwarded-messages',
      summary: 'Raw messages as received from the gateway, newest first',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), channelId: { type: 'string', maxLength: 32 }, from: timeBoundSchema, to: timeBoundSchema },
      },
      responses: { 200: '{ data: ForwardedMessage[] }' },
      handler: async ({ res, query }) => {
        const filters: SQL[] = [];
        if (query.channelId) filters.push(eq(forwardedMessages.channelId, String(query.channelId)));
        filters.push(...timeRange(forwardedMessages.messageTs, query));
        const rows = await db
          .select()
          .from(forwardedMessages)
          .where(filters.length ? and(...filters) : undefined)
          .orderBy(desc(forwardedMessages.messageTs))
          .limit(Number(query.limit));
        res.json({
          data: rows.map((r) => ({
            id: r.id,
            channel_id: r.channelId,
            channel_title: r.channelTitle,
            message_id: r.messageId,
            message_ts: iso(r.messageTs),
            text: r.text,
            source: r.source,
            edit_date: iso(r.editDate),
            reply_to_message_id: r.replyToMessageId,
            media_group_id: r.mediaGroupId,
            photos: r.photos,
            forwarded_from: r.forwardedFrom,
            parse_kind: r.parseKind,
            parse_warning: r.parseWarning,
            parser_version: r.parserVersion,
            ingested_at: iso(r.ingestedAt),
          })),
        });
      },
    },
  ];
}
