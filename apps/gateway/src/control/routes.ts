import type { Logger } from '@tp/observability';
import { HttpError, int, json, obj, str, type RouteSpec } from '@tp/service-kit';
import type { ChannelAllowList } from '../channels/channel-allow-list';
import type { UserSource } from '../sources/user-source';

export interface ControlDeps {
  allowList: ChannelAllowList;
  /** The channels read right now (after the allow-list was applied). */
  channels: () => string[];
  userSource?: UserSource;
  logger: Logger;
}

/**
 * What the API calls when an operator acts in the dashboard: re-read the channel registry now, or
 * catch every channel up now. Authenticated with the gateway token, like `/ingest` the other way.
 */
export function controlRoutes(deps: ControlDeps): RouteSpec<'gateway'>[] {
  return [
    {
      method: 'post',
      path: '/control/reload-channels',
      summary: "Re-read the API's channel registry now",
      tag: 'control',
      auth: 'gateway',
      responses: { 200: json('The channels read now', obj({ channels: { type: 'array', items: str } })), 401: 'Missing or wrong X-Gateway-Token', 503: 'The registry could not be read' },
      handler: async ({ res }) => {
        try {
          await deps.allowList.refresh();
        } catch (error) {
          throw new HttpError(503, 'registry_unreachable', (error as Error).message);
        }
        res.json({ channels: deps.channels() });
      },
    },
    {
      method: 'post',
      path: '/control/sync-messages',
      summary: 'Catch every channel up now, then fill the continuity audit\'s holes from Telegram',
      tag: 'control',
      auth: 'gateway',
      responses: { 200: json('What was caught up', obj({ messagesSynced: int, channels: { type: 'array' } })), 401: 'Missing or wrong X-Gateway-Token' },
      handler: async ({ res }) => {
        const user = deps.userSource;
        if (!user) {
          // Nothing to catch up: the bot receives posts as they happen and has no history to read.
          res.json({ messagesSynced: 0, channels: [], note: 'the user client is not running here; the bot source has no channel history to catch up' });
          return;
        }
        const channels = await user.checkMessages();
        const messagesSynced = channels.reduce((sum, c) => sum + c.messagesSynced + c.gapsFilled, 0);
        deps.logger.info('control: caught up on request', { messagesSynced, channels });
        res.json({ messagesSynced, channels });
      },
    },
    {
      method: 'get',
      path: '/control/continuity',
      summary: 'The continuity audit: per channel, the message ids missing from what was stored',
      tag: 'control',
      auth: 'gateway',
      responses: { 200: json('Per channel: missing ids (not known deletions) and the first of them', obj({ channels: { type: 'array' } })), 401: 'Missing or wrong X-Gateway-Token' },
      handler: async ({ res }) => {
        res.json({ channels: deps.userSource?.continuity() ?? [] });
      },
    },
    {
      method: 'post',
      path: '/control/fill-gaps',
      summary: "Fill the audit's holes from Telegram (channels.getMessages); ids Telegram confirms deleted are recorded as deletions",
      tag: 'control',
      auth: 'gateway',
      responses: { 200: json('Per channel: gaps before, stored, deleted, remaining', obj({ channels: { type: 'array' } })), 401: 'Missing or wrong X-Gateway-Token' },
      handler: async ({ res }) => {
        const channels = (await deps.userSource?.fillGaps()) ?? [];
        deps.logger.info('control: filled gaps on request', { channels });
        res.json({ channels });
      },
    },
  ];
}
