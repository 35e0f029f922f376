import { lookup } from 'node:dns/promises';
import { embeddedIPv4, formatIp, inCidr, parseCidr, parseIp, type Cidr, type IpAddress } from './ip-address.js';

/**
 * Where may omniops send a request? Only http(s) to public addresses, unless an operator allow-listed
 * the host name or the address/CIDR (an n8n on the LAN, say). Every resolved address must pass: a name
 * with one public and one private A record is refused, since the connection may use either.
 * Callers should connect to the returned `addresses` (not re-resolve) so DNS cannot change in between.
 */
export type RefusalReason =
  | 'malformed_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'unresolvable'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unspecified'
  | 'cgnat'
  | 'multicast'
  | 'reserved'
  | 'encoded_ip';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Returns every address of the name (A and AAAA); injected so tests never touch the network. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface DestinationRules {
  /** Exact host names (case-insensitive), IP addresses, or CIDRs that bypass the range checks. */
  allowList?: readonly string[];
  resolve?: Resolver;
}

export type DestinationCheck =
  | { ok: true; url: URL; addresses: ResolvedAddress[] }
  | { ok: false; reason: RefusalReason; detail: string; address?: string };

type Range = { cidr: Cidr; reason: Exclude<RefusalReason, 'malformed_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'unresolvable' | 'encoded_ip'> };

const RANGES: Range[] = (
  [
    ['0.0.0.0/8', 'unspecified'],
    ['10.0.0.0/8', 'private'],
    ['100.64.0.0/10', 'cgnat'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link_local'], // includes the cloud metadata service 169.254.169.254
    ['172.16.0.0/12', 'private'],
    ['192.0.0.0/24', 'reserved'],
    ['192.0.2.0/24', 'reserved'],
    ['192.168.0.0/16', 'private'],
    ['198.18.0.0/15', 'reserved'],
    ['198.51.100.0/24', 'reserved'],
    ['203.0.113.0/24', 'reserved'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['::/96', 'reserved'], // deprecated IPv4-compatible addresses
    ['fc00::/7', 'private'],
    ['fe80::/10', 'link_local'],
    ['fec0::/10', 'private'], // deprecated site-local
    ['ff00::/8', 'multicast'],
    ['2001:db8::/32', 'reserved'],
    ['100::/64', 'reserved'],
  ] as const
).map(([c, reason]) => ({ cidr: parseCidr(c)!, reason }));

/** Why an address is not public, or null when it is. Mapped/NAT64 IPv6 is judged by the IPv4 inside. */
export function addressRefusal(ip: IpAddress): Range['reason'] | null {
  const inner = embeddedIPv4(ip);
  if (inner) return addressRefusal(inner);
  return RANGES.find((r) => inCidr(ip, r.cidr))?.reason ?? null;
}

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export async function checkDestination(rawUrl: string, rules: DestinationRules = {}): Promise<DestinationCheck> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: 'malformed_url', detail: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'scheme_not_allowed', detail: `scheme ${url.protocol} is not http/https` };
  }
  // Credentials in the URL would end up in logs and outbox rows; secrets belong in sealed fields.
  if (url.username || url.password) return { ok: false, reason: 'credentials_in_url', detail: 'user:password@ is not allowed' };

  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allow = (rules.allowList ?? []).map((e) => e.trim().toLowerCase());
  const hostAllowed = allow.includes(host.toLowerCase());
  const allowedCidrs = allow.map(parseCidr).filter((c): c is Cidr => c !== null);

  const literal = parseIp(host);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: formatIp(literal), family: literal.family }];
  } else {
    try {
      addresses = [...(await (rules.resolve ?? systemResolver)(host))];
    } catch (e) {
      return { ok: false, reason: 'unresolvable', detail: `cannot resolve ${host}: ${(e as Error).message}` };
    }
    if (!addresses.length) return { ok: false, reason: 'unresolvable', detail: `${host} has no addresses` };
  }
  if (hostAllowed) return { ok: true, url, addresses };

  for (const a of addresses) {
    const ip = parseIp(a.address);
    if (!ip) return { ok: false, reason: 'unresolvable', detail: `resolver returned a non-address ${a.address}`, address: a.address };
    if (allowedCidrs.some((c) => inCidr(ip, c))) continue;
    const reason = addressRefusal(ip);
    if (reason) return { ok: false, reason, detail: `${host} → ${a.address} is ${reason.replace('_', '-')}`, address: a.address };
  }

  // The URL parser accepted 2130706433 / 0x7f.1 / 017700000001 / 127.1 as IPv4; written like that on
  // purpose, it is an attempt to slip past filters, even when it lands on a public address.
  if (literal?.family === 4 && rawHost(rawUrl) !== host && !allowedCidrs.some((c) => inCidr(literal, c))) {
    return { ok: false, reason: 'encoded_ip', detail: `host ${rawHost(rawUrl)} is a non-canonical spelling of ${host}`, address: host };
  }
  return { ok: true, url, addresses };
}

/** The host exactly as written (before the URL parser normalised it). */
function rawHost(rawUrl: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(rawUrl.trim());
  return (m?.[1] ?? '').toLowerCase();
}
