// dist/apps/gateway/main.js: the gateway's one executable. `node main.js` runs the service (`serve`);
// `node main.js --help` lists the tools (login, backfill, import, replay, dead-letters, status).
import { createLogger, requireSupportedNode } from '@tp/observability';
import { installProcessErrorPolicy, secretValues } from '@tp/service-kit';
import { processIo } from './cli/io';
import { runCli } from './cli/program';
import { gatewayEnv } from './config';

requireSupportedNode('gateway');
const io = processIo();
// Installed before anything runs, so even a failure while the settings are read is logged. The policy
// logs only an error's name, message and stack; the logger scrubs the secret variables' values from them.
installProcessErrorPolicy({ logger: createLogger('gateway', { stderr: true, secrets: secretValues(gatewayEnv, io.env) }) });
// `main.js --help | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runCli(process.argv.slice(2), io).then(
  (code) => {
    // `serve` keeps running (undefined); a tool exits with its code even if a client left a handle open.
    if (code !== undefined) process.exit(code);
  },
  (error) => {
    console.error(`gateway: ${(error as Error).message}`);
    process.exit(1);
  },
);
