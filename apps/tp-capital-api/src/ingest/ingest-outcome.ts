import type { ParseResult } from '../parser/signal-parser';

/** What happened to one message of a request. */
export interface IngestOutcome {
  status: 'ok';
  skipped: boolean;
  signalId: number | null;
  edited?: boolean;
  /** What was stored for it; a warning when a derived value could not be stored. */
  kind?: ParseResult['kind'];
}

