import { createMetrics } from '@tp/observability';
import { Counter, Gauge } from 'prom-client';

export type IngestStatus = 'success' | 'duplicate' | 'invalid' | 'unauthorized' | 'error';

/** The API's registry: shared HTTP metrics plus the ingest counters named in the design. */
export function createApiMetrics() {
  const base = createMetrics('tp-capital-api');
  const registers = [base.registry];
  return {
    ...base,
    ingestionRequests: new Counter({
      name: 'api_ingestion_requests_total',
      help: 'Messages received on /ingest and /ingest/batch, by outcome',
      labelNames: ['status'] as const,
      registers,
    }),
    signalsInserted: new Counter({
      name: 'api_signals_inserted_total',
      help: 'Signals inserted into the database (counted once committed)',
      labelNames: ['signal_type'] as const,
      registers,
    }),
    databaseErrors: new Counter({
      name: 'api_timescaledb_errors_total',
      help: 'Database connection and query errors',
      labelNames: ['error_type'] as const,
      registers,
    }),
    internalErrors: new Counter({
      name: 'api_internal_errors_total',
      help: 'Requests that failed with an unexpected error (a bug, not the database): answered 500',
      registers,
    }),
    mediaBytes: new Gauge({ name: 'api_media_bytes', help: 'Total bytes of stored photos (tp_capital.media)', registers }),
    mediaFiles: new Gauge({ name: 'api_media_files', help: 'Stored photos (tp_capital.media)', registers }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
