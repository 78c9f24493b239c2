-- Turns the time-series tables into TimescaleDB hypertables when the extension is installable.
-- On plain PostgreSQL (and embedded PGlite) this is a no-op, so one migration set serves both.
-- Both tables' primary and unique keys already include their time column, as TimescaleDB requires.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    PERFORM create_hypertable('tp_capital.forwarded_messages', 'message_ts',
      chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
    PERFORM create_hypertable('tp_capital.tp_capital_signals', 'ts',
      chunk_time_interval => INTERVAL '30 days', if_not_exists => TRUE, migrate_data => TRUE);
    RAISE NOTICE 'timescaledb: forwarded_messages and tp_capital_signals are hypertables';
  ELSE
    RAISE NOTICE 'timescaledb not available: keeping plain tables';
  END IF;
END
$$;
