/** The logger the policy writes to: the app's, so its redaction of secrets applies. */
export interface ProcessErrorLogger {
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ProcessErrorPolicyOptions {
  logger: ProcessErrorLogger;
  /** Tests pass their own; by default the process exits. */
  exit?: (code: number) => void;
}

/**
 * What is logged of a thrown value: its name, message and stack only. An error's other properties
 * (a request's config, a client's options) can hold credentials, so they are never logged.
 */
function describe(value: unknown): Record<string, unknown> {
  if (value instanceof Error) return { errorName: value.name, error: value.message, stack: value.stack };
  return { error: typeof value === 'string' ? value : `non-error value of type ${value === null ? 'null' : typeof value}` };
}

/**
 * A process whose state is unknown must not keep serving: an uncaught exception or an unhandled
 * promise rejection is logged once through the app's logger, then the process exits with 1 so its
 * supervisor (systemd, compose, `npm start`) restarts or reports it. Returns a function that removes
 * the handlers again.
 */
export function installProcessErrorPolicy(options: ProcessErrorPolicyOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let failing = false;
  const fail = (what: string, value: unknown) => {
    if (failing) return;
    failing = true;
    try {
      options.logger.error(`${what}; exiting`, describe(value));
    } finally {
      exit(1);
    }
  };
  const onException = (error: unknown) => fail('uncaught exception', error);
  const onRejection = (reason: unknown) => fail('unhandled promise rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
