import type { GatewayConfig } from '../config';
import type { PublisherOptions } from './publisher';

export function publisherOptions(config: GatewayConfig): PublisherOptions {
  return {
    endpoints: config.apiEndpoints,
    token: config.apiToken,
    timeoutMs: config.publishTimeoutMs,
    backoffDoublings: config.retryBackoffDoublings,
    retryDelayMs: config.retryDelayMs,
    maxBatchBytes: config.publishBatchMaxBytes,
    poisonMaxAttempts: config.poisonMaxAttempts,
  };
}
