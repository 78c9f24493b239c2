import { createMetrics } from '@tp/observability';
import { Counter, Gauge } from 'prom-client';

/** The gateway's registry. The metric names are the ones infra/prometheus alerts and Grafana panels query. */
export function createGatewayMetrics() {
  const base = createMetrics('gateway');
  const registers = [base.registry];
  return {
    ...base,
    connectionStatus: new Gauge({ name: 'telegram_connection_status', help: 'Telegram connection status (0=disconnected, 1=connected)', labelNames: ['client'] as const, registers }),
    messagesReceived: new Counter({ name: 'telegram_messages_received_total', help: 'Messages received from Telegram and stored in the outbox', labelNames: ['channel_id', 'source'] as const, registers }),
    messagesPublished: new Counter({ name: 'telegram_messages_published_total', help: 'Messages confirmed by the API', registers }),
    publishFailures: new Counter({ name: 'telegram_publish_failures_total', help: 'Failed attempts to publish to the API', labelNames: ['reason'] as const, registers }),
    retryAttempts: new Counter({ name: 'telegram_retry_attempts_total', help: 'Publish retries by attempt number', labelNames: ['attempt_number'] as const, registers }),
    failureQueueSize: new Gauge({ name: 'telegram_failure_queue_size', help: 'Messages in the outbox not yet confirmed by the API', registers }),
    outboxBytes: new Gauge({ name: 'telegram_outbox_bytes', help: 'Size of the outbox log on disk', registers }),
    outboxUsage: new Gauge({ name: 'telegram_outbox_usage_ratio', help: 'Outbox size as a fraction of OUTBOX_MAX_BYTES (warning at 0.5)', registers }),
    outboxWarning: new Gauge({ name: 'telegram_outbox_warning', help: '1 when the outbox is at least half full', registers }),
    deadLetters: new Counter({ name: 'telegram_dead_letter_total', help: 'Messages parked (dead letters), for any reason', registers }),
    poisonMessagesParked: new Counter({ name: 'gateway_poison_messages_parked_total', help: 'Messages parked after repeated 5xx answers to them alone while other messages were stored', registers }),
    deadLettersHeld: new Gauge({ name: 'gateway_dead_letters', help: 'Parked messages in the outbox, by why they were parked (rejected: refused as invalid; server_error: repeated 5xx)', labelNames: ['kind'] as const, registers }),
    oldestPendingAge: new Gauge({ name: 'gateway_outbox_oldest_pending_age_seconds', help: 'Age of the oldest message not yet confirmed by the API (0 when none)', registers }),
    floodWaitSeconds: new Counter({ name: 'telegram_flood_wait_seconds_total', help: 'Seconds spent waiting out Telegram FLOOD_WAIT answers, by user-client method', labelNames: ['method'] as const, registers }),
    updatesUnrecovered: new Counter({ name: 'telegram_updates_unrecovered_total', help: 'Times Telegram answered channelDifferenceTooLong: edits and deletions made meanwhile in that channel could not be recovered', labelNames: ['channel_id'] as const, registers }),
    channelGaps: new Gauge({ name: 'telegram_channel_gaps', help: 'Message ids missing from what the gateway stored for a channel (not known deletions); fill with POST /gateway/fill-gaps on the API', labelNames: ['channel_id'] as const, registers }),
    mediaQueueJobs: new Gauge({ name: 'gateway_media_queue_jobs', help: 'Photos in the media queue not yet stored or recorded as failed', registers }),
    mediaOutcomes: new Counter({ name: 'gateway_media_outcomes_total', help: 'Photos brought to the API (stored) or given up with a reason (failed)', labelNames: ['status'] as const, registers }),
    messagesAdjusted: new Counter({ name: 'gateway_messages_adjusted_total', help: 'Messages changed to fit the ingest contract before entering the outbox, by field', labelNames: ['field'] as const, registers }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
