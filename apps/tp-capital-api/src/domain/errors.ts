/** One rejected part of an input: a dotted field path and what is wrong with it. */
export interface Problem {
  path: string;
  message: string;
  /** Where the value was (`body`), when it matters to the caller. */
  in?: string;
}

/**
 * What services and repositories throw when a request cannot be done as asked. They say what went
 * wrong in the domain's terms; `http/errors.ts` alone decides the status code each one answers with.
 */
export abstract class DomainError extends Error {
  constructor(
    /** A stable, machine-readable code (`not_found`, `conflict`, `ambiguous`…). */
    readonly code: string,
    message: string,
    readonly details: Problem[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing named does not exist (or was deleted). */
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** The change clashes with what is stored (a unique name, another leg of the same post). */
export class ConflictError extends DomainError {
  constructor(message: string, details: Problem[] = [], code = 'conflict') {
    super(code, message, details);
  }
}

/** A value the domain refuses, named in `details`. */
export class InvalidInputError extends DomainError {
  constructor(message: string, details: Problem[]) {
    super('validation_failed', message, details);
  }
}

/** Concurrent writes kept aborting the work (deadlock, serialisation failure); retrying later may succeed. */
export class ContentionError extends DomainError {
  constructor(cause?: unknown) {
    super('database_busy', 'concurrent writes kept conflicting; retry');
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
