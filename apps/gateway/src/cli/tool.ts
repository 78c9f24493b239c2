import { createLogger, type Logger } from '@tp/observability';
import { ConfigError, loadConfig, type GatewayConfig } from '../config';
import { publisherOptions } from '../publisher/options';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { Publisher } from '../publisher/publisher';

/** Shared start-up of the gateway's command-line tools: config, logger, the outbox (locked). */
export async function openTool(name: string): Promise<{ config: GatewayConfig; logger: Logger; outbox: Outbox; publisher: Publisher }> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${name}: invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(`gateway-${name}`, { level: config.logLevel, secrets: [config.apiToken, config.bot?.token, config.userClient?.apiHash] });
  const outbox = await Outbox.open(config.outboxDir, { maxBytes: config.outboxMaxBytes, groupCommit: true, retainDeliveredMs: config.retainDeliveredMs });
  const publisher = new Publisher(outbox, publisherOptions(config), logger, createGatewayMetrics());
  return { config, logger, outbox, publisher };
}

/** A one-line progress bar on stderr (plain lines when stderr is not a terminal). */
export function progressBar(label: string, total?: number) {
  let lastLine = 0;
  return (done: number, extra = '') => {
    const now = Date.now();
    if (!process.stderr.isTTY && now - lastLine < 1_000 && done !== total) return;
    lastLine = now;
    let text = `${label} ${done}${total ? `/${total}` : ''} ${extra}`;
    if (total) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      text = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round((100 * done) / total)}% ${done}/${total} ${extra}`;
    }
    process.stderr.write(process.stderr.isTTY ? `\r${text}` : `${text}\n`);
  };
}

/** Publishes what the outbox holds and prints a summary; exit code 0 only when nothing is left. */
export async function drainAndReport(publisher: Publisher, outbox: Outbox): Promise<number> {
  const result = await publisher.drainOnce();
  console.log(`published ${result.delivered}, parked ${result.parked} (see dead-letter.jsonl), still pending ${result.remaining}${result.lastOutcome && result.lastOutcome !== 'ok' ? ` (last attempt: ${result.lastOutcome})` : ''}`);
  await outbox.close();
  return result.remaining === 0 ? 0 : 1;
}
