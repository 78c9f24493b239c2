import type { GatewayConfig } from '../config';
import type { PublisherOptions } from './publisher';

export function publisherOptions(config: GatewayConfig): PublisherOptions {
  return {
    endpoints: config.apiEndpoints,
    token: config.apiToken,
    timeoutMs: config.publishTimeoutMs,
    maxRetryAttempts: config.maxRetryAttempts,
    retryDelayMs: config.retryDelayMs,
  };
}
