import winston from 'winston';
import { currentRequest } from './request-context';

/** Keys whose values are never logged, at any depth. */
const SECRET_KEY = /(token|password|passwd|secret|api[-_]?hash|api[-_]?key|session|authorization|cookie)/i;
const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  /** winston level; apps pass the value of `LOG_LEVEL` read by their config. */
  level?: string;
  /** Secret values (tokens, hashes) scrubbed from every string, wherever they appear. */
  secrets?: Array<string | undefined>;
  /** Extra transports (tests capture output with a stream transport). */
  transports?: winston.transport[];
  /** Every level to stderr, for command-line tools whose stdout is their result. */
  stderr?: boolean;
}

function scrubString(value: string, secrets: string[]): string {
  let out = value;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** Deep copy of a log entry with secret-named keys and known secret values redacted. */
export function redact(value: unknown, secrets: string[] = [], seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, seen));
  const out: Record<string, unknown> = {};
  const source = value instanceof Error ? { ...value, name: value.name, message: value.message, stack: value.stack } : value;
  for (const [key, v] of Object.entries(source)) {
    out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && typeof v !== 'boolean' ? REDACTED : redact(v, secrets, seen);
  }
  return out;
}

const redactFormat = winston.format((info, opts) => {
  const clean = redact({ ...info }, (opts as { secrets: string[] }).secrets) as Record<string, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, clean);
  return info;
});

/** A JSON-lines logger for one service, with secrets redacted before anything is written. */
export function createLogger(service: string, options: LoggerOptions = {}): winston.Logger {
  // Short secrets would redact ordinary words; the apps' secrets are all long.
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      redactFormat({ secrets }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: options.transports ?? [new winston.transports.Console(options.stderr ? { stderrLevels: Object.keys(winston.config.npm.levels) } : {})],
  });
  // The request is read when the line is written, not in a format: winston may run formats later,
  // after a buffered write, outside the request's async context. Every level method ends here.
  const write = logger.write.bind(logger);
  logger.write = ((info: winston.Logform.TransformableInfo, ...rest: unknown[]) => {
    const scope = currentRequest();
    const line = scope && info && typeof info === 'object' && info.requestId === undefined ? { ...info, requestId: scope.requestId } : info;
    return (write as (...args: unknown[]) => boolean)(line, ...rest);
  }) as typeof logger.write;
  return logger;
}

export type Logger = winston.Logger;
