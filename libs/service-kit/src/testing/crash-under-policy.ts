// A process that fails the way its argument says, under the process error policy. It logs JSON lines
// to stdout like the apps' logger does. Used by process-errors.spec.ts.
import { installProcessErrorPolicy } from '../lib/process-errors';

const logger = { error: (message: string, meta?: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ level: 'error', message, ...meta })}\n`) };
installProcessErrorPolicy({ logger });

class ClientError extends Error {
  // What a client library attaches to its errors: never to be logged.
  readonly options = { token: 'bot-token-that-must-not-leak-0123456789' };
}

// Still running after the failure would mean the policy did not exit.
setInterval(() => undefined, 1_000);
if (process.argv[2] === 'rejection') void Promise.reject(new ClientError('the upstream refused the call'));
else setTimeout(() => {
  throw new ClientError('a timer callback threw');
}, 10);
