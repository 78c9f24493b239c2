import { type Schema, nullable, str } from '@tp/service-kit';

/**
 * The levels of a signal as the dashboard reads them, in one place for `/signals` (prices as numbers)
 * and the parse preview (prices as the exact decimal strings ingest stores).
 */
export const signalLevelFields = (price: Schema) => ({
  asset: str,
  signal_type: nullable(str),
  buy_min: price,
  buy_max: price,
  target_1: price,
  target_2: price,
  target_final: price,
});
