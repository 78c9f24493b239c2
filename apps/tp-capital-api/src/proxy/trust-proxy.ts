import { isIP } from 'node:net';

/**
 * Express's `trust proxy` setting: `false` (the peer address is the client), a hop count, or the
 * addresses and subnets of the proxies whose `X-Forwarded-For` is believed.
 */
export type TrustProxy = false | number | string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isSubnet(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (/^\d{1,3}$/.test(prefix)) return Number(prefix) <= (family === 4 ? 32 : 128);
  // An IPv4 netmask such as 255.255.255.0.
  return family === 4 && isIP(prefix) === 4;
}

/**
 * Reads `TRUST_PROXY`: unset, empty, `false` or `0` trusts no proxy; a positive integer trusts that
 * many hops; otherwise a comma-separated list of addresses, CIDR subnets or `loopback`, `linklocal`,
 * `uniquelocal`. `true` is refused: it would let any client pick its own address with a header.
 * Returns the setting, or an error message naming what is wrong.
 */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy } | { error: string } {
  const text = (raw ?? '').trim();
  if (text === '' || /^(false|0|off|no)$/i.test(text)) return { value: false };
  if (/^(true|on|yes)$/i.test(text)) {
    return { error: `TRUST_PROXY=${text} would trust any client's X-Forwarded-For; give the number of proxies in front of the API or their addresses` };
  }
  if (/^\d+$/.test(text)) return { value: Number(text) };
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((e) => !NAMED.has(e) && !isSubnet(e));
  if (bad.length) return { error: `TRUST_PROXY must be a hop count or a list of addresses, subnets, loopback, linklocal or uniquelocal (not "${bad.join('", "')}")` };
  return { value: entries };
}
