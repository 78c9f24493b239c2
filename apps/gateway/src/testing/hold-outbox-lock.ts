// A process that takes the outbox lock the moment a start file appears (so several take it at the
// same instant), prints what happened, and holds the lock until it is killed. For lock.spec.ts.
import { existsSync } from 'node:fs';
import { lockOutbox } from '../outbox/lock';

const [dir, startFile] = process.argv.slice(2);
const waitForStart = () => {
  while (!existsSync(startFile)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
};
waitForStart();
try {
  lockOutbox(dir);
  process.stdout.write(`locked ${process.pid}\n`);
  setInterval(() => undefined, 60_000);
} catch (error) {
  process.stdout.write(`refused ${(error as Error).message}\n`);
  process.exit(3);
}
