import { dateTime, int, json, listOf, nullable, obj, str, type RouteSpec } from '@tp/service-kit';
import { iso, limitSchema } from '../http/query';
import type { LogRepository } from './log-repository';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const logEntrySchema = obj({
  id: int,
  timestamp: dateTime,
  level: { enum: [...LOG_LEVELS] },
  message: str,
  context: { type: ['object', 'null'] },
  event: str,
  channel_id: nullable(str),
  message_id: nullable(int),
  details: {},
});

/** `GET /logs`: the ingest and parse events the dashboard's log viewer shows. */
export function logRoutes(logs: LogRepository): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/logs',
      summary: 'Recent ingest and parse events (signals created, updates applied, warnings), newest first',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), level: { type: 'string', enum: [...LOG_LEVELS] } },
      },
      responses: { 200: json('{ data: LogEntry[] }', listOf(logEntrySchema)), 400: 'Invalid limit or level' },
      handler: async ({ res, query }) => {
        const rows = await logs.recent({ level: query.level ? String(query.level) : undefined, limit: Number(query.limit) });
        res.json({
          data: rows.map((r) => ({
            id: r.id,
            timestamp: iso(r.createdAt),
            level: r.level,
            message: r.message,
            // What the original viewer expands under a log line.
            context: { event: r.event, channelId: r.channelId, messageId: r.messageId, ...(r.details && typeof r.details === 'object' ? { details: r.details } : {}) },
            event: r.event,
            channel_id: r.channelId,
            message_id: r.messageId,
            details: r.details,
          })),
        });
      },
    },
  ];
}
