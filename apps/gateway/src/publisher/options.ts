import type { PublishSettings } from '../config';
import type { PublisherOptions } from './publisher';

/** The publisher's options from the validated settings (the service, the tools and tests alike). */
export function publisherOptions(settings: PublishSettings): PublisherOptions {
  return {
    endpoints: settings.apiEndpoints,
    token: settings.apiToken,
    timeoutMs: settings.publishTimeoutMs,
    backoffDoublings: settings.retryBackoffDoublings,
    retryDelayMs: settings.retryDelayMs,
    maxBatchBytes: settings.publishBatchMaxBytes,
    poisonMaxAttempts: settings.poisonMaxAttempts,
  };
}
