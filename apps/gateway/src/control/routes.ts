import { GATEWAY_TOKEN_HEADER, tokensMatch } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import express, { type Router } from 'express';
import type { ChannelAllowList } from '../channels/channel-allow-list';
import type { UserSource } from '../sources/user-source';

export interface ControlDeps {
  token: string;
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
export function controlRoutes(deps: ControlDeps): Router {
  const router = express.Router();
  router.use('/control', (req, res, next) => {
    if (!tokensMatch(req.get(GATEWAY_TOKEN_HEADER), deps.token)) {
      res.status(401).json({ error: { code: 'unauthorized', message: `missing or wrong ${GATEWAY_TOKEN_HEADER}` } });
      return;
    }
    next();
  });

  router.post('/control/reload-channels', async (_req, res) => {
    try {
      await deps.allowList.refresh();
    } catch (error) {
      res.status(503).json({ error: { code: 'registry_unreachable', message: (error as Error).message } });
      return;
    }
    res.json({ channels: deps.channels() });
  });

  router.post('/control/sync-messages', async (_req, res) => {
    const user = deps.userSource;
    if (!user) {
      // Nothing to catch up: the bot receives posts as they happen and has no history to read.
      res.json({ messagesSynced: 0, channels: [], note: 'the user client is not running here; the bot source has no channel history to catch up' });
      return;
    }
    const found = await user.catchUpNow();
    const channels = Object.entries(found).map(([channelId, messagesSynced]) => ({ channelId, messagesSynced }));
    const messagesSynced = channels.reduce((sum, c) => sum + c.messagesSynced, 0);
    deps.logger.info('control: caught up on request', { messagesSynced, channels });
    res.json({ messagesSynced, channels });
  });
  return router;
}
