/**
 * Largest request body the API reads on `/ingest` and `/ingest/batch` (its JSON parser limit).
 * Defined once here so the gateway can never build a request the API refuses for size.
 */
export const MAX_INGEST_BODY_BYTES = 1024 * 1024;

/**
 * Largest serialized `/ingest/batch` body the gateway builds. Kept well below the body limit so an
 * API that counts a few bytes differently (or a proxy in between) still never answers 413.
 */
export const MAX_BATCH_BYTES = 768 * 1024;
