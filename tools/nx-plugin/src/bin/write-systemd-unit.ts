// Writes the gateway's systemd unit (the `systemd-unit` target). Overrides: --user, --install-dir,
// --state-dir, --env-file, --node, --port, --live-path, or GATEWAY_USER / GATEWAY_INSTALL_DIR / GATEWAY_STATE_DIR.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_UNIT, renderSystemdUnit } from '../lib/systemd';

const { values } = parseArgs({
  options: { out: { type: 'string' }, user: { type: 'string' }, 'install-dir': { type: 'string' }, 'state-dir': { type: 'string' }, 'env-file': { type: 'string' }, node: { type: 'string' }, port: { type: 'string' }, 'live-path': { type: 'string' } },
});
if (!values.out) {
  console.error('usage: write-systemd-unit --out=<file> [--user=..] [--install-dir=..] [--state-dir=..] [--env-file=..] [--node=..] [--port=4006] [--live-path=/health/live]');
  process.exit(2);
}
const unit = renderSystemdUnit({
  ...DEFAULT_UNIT,
  description: 'TP Capital Telegram Gateway',
  user: values.user ?? process.env.GATEWAY_USER ?? DEFAULT_UNIT.user,
  installDir: values['install-dir'] ?? process.env.GATEWAY_INSTALL_DIR ?? DEFAULT_UNIT.installDir,
  stateDir: values['state-dir'] ?? process.env.GATEWAY_STATE_DIR ?? DEFAULT_UNIT.stateDir,
  environmentFile: values['env-file'] ?? DEFAULT_UNIT.environmentFile,
  nodePath: values.node ?? DEFAULT_UNIT.nodePath,
  port: values.port ? Number(values.port) : DEFAULT_UNIT.port,
  livePath: values['live-path'] ?? DEFAULT_UNIT.livePath,
});
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, unit);
console.log(`wrote ${values.out}`);
