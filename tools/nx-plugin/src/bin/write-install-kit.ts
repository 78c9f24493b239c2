// Completes dist/apps/<app> as the folder an operator copies to a host (part of the gateway's `build`):
// the systemd unit, install.sh, the app's README (the unit's Documentation=) and its environment example.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderInstallScript } from '../lib/install-script';
import { DEFAULT_UNIT, renderSystemdUnit, UNIT_NAME } from '../lib/systemd';

const { values } = parseArgs({ options: { 'project-root': { type: 'string' }, dist: { type: 'string' }, port: { type: 'string' }, 'live-path': { type: 'string' } } });
if (!values['project-root'] || !values.dist) {
  console.error('usage: write-install-kit --project-root=<apps/name> --dist=<dist/apps/name> [--port=4006] [--live-path=/health/live]');
  process.exit(2);
}
const projectRoot = values['project-root'];
const dist = values.dist;
const spec = {
  ...DEFAULT_UNIT,
  description: 'TP Capital Telegram Gateway',
  user: process.env.GATEWAY_USER ?? DEFAULT_UNIT.user,
  installDir: process.env.GATEWAY_INSTALL_DIR ?? DEFAULT_UNIT.installDir,
  stateDir: process.env.GATEWAY_STATE_DIR ?? DEFAULT_UNIT.stateDir,
  port: values.port ? Number(values.port) : DEFAULT_UNIT.port,
  livePath: values['live-path'] ?? DEFAULT_UNIT.livePath,
};
writeFileSync(path.join(dist, `${UNIT_NAME}.service`), renderSystemdUnit(spec));
writeFileSync(path.join(dist, 'install.sh'), renderInstallScript(spec), { mode: 0o755 });
copyFileSync(path.join(projectRoot, 'README.md'), path.join(dist, 'README.md'));
copyFileSync(path.join(projectRoot, `${path.basename(projectRoot)}.env.example`), path.join(dist, 'gateway.env.example'));
console.log(`${dist}: ${UNIT_NAME}.service, install.sh, README.md, gateway.env.example`);
