/** The oldest Node.js the services run on: the gateway's outbox checksums records with `zlib.crc32` (20.15). */
export const MINIMUM_NODE_VERSION = '20.15.0';

function parts(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  return [major, minor, patch];
}

/** Why `version` cannot run the services, or undefined when it can. */
export function nodeVersionProblem(version: string = process.versions.node, minimum: string = MINIMUM_NODE_VERSION): string | undefined {
  const [have, need] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i++) {
    if (have[i] > need[i]) return undefined;
    if (have[i] < need[i]) return `Node.js ${version.replace(/^v/, '')} is too old: it needs Node.js >= ${minimum} (zlib.crc32); install a newer Node.js 20 or 22 LTS`;
  }
  return undefined;
}

export interface NodeVersionCheck {
  version?: string;
  /** Where the message goes; stderr by default, as the logger may not exist yet. */
  report?: (message: string) => void;
  exit?: (code: number) => void;
}

/** First line of a service's main: exits 1 with a clear message on a Node.js that is too old. */
export function requireSupportedNode(service: string, check: NodeVersionCheck = {}): void {
  const problem = nodeVersionProblem(check.version ?? process.versions.node);
  if (!problem) return;
  (check.report ?? ((message) => console.error(message)))(`${service}: ${problem}`);
  (check.exit ?? ((code) => process.exit(code)))(1);
}
