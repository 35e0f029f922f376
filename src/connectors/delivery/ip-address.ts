/**
 * IP literals as numbers, so range checks are arithmetic rather than string prefixes (which miss
 * `::ffff:7f00:1`, `0:0:0:0:0:0:0:1` and friends). Strict: only canonical dotted-quad IPv4 here —
 * the WHATWG URL parser has already turned `2130706433`, `0x7f.1` and `017700000001` into one.
 */
export type IpAddress = { family: 4 | 6; value: bigint };

export function parseIPv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

export function parseIPv6(input: string): bigint | null {
  let s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  s = s.split('%')[0]!; // a zone id (fe80::1%eth0) does not change which range the address is in
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let tail: number[] = [];
  if (s.includes('.')) {
    // Dotted IPv4 as the last 32 bits (::ffff:127.0.0.1): two 16-bit groups.
    const i = s.lastIndexOf(':');
    const v4 = parseIPv4(s.slice(i + 1));
    if (i < 0 || v4 === null) return null;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    s = s.slice(0, i + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const fill: number[] = halves.length === 2 ? new Array(8 - explicit).fill(0) : [];
  const nums = [...head.map((g) => parseInt(g, 16)), ...fill, ...rest.map((g) => parseInt(g, 16)), ...tail];
  return nums.reduce((acc, n) => (acc << 16n) | BigInt(n), 0n);
}

export function parseIp(s: string): IpAddress | null {
  const v4 = parseIPv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIPv6(s);
  return v6 !== null ? { family: 6, value: v6 } : null;
}

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

export function parseCidr(s: string): Cidr | null {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return null;
  return { family: ip.family, base: ip.value, prefix };
}

export function inCidr(ip: IpAddress, c: Cidr): boolean {
  if (ip.family !== c.family) return false;
  const bits = BigInt(ip.family === 4 ? 32 : 128);
  const shift = bits - BigInt(c.prefix);
  return ip.value >> shift === c.base >> shift;
}

/** The IPv4 address carried inside IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6. */
export function embeddedIPv4(ip: IpAddress): IpAddress | null {
  if (ip.family !== 6) return null;
  const high = ip.value >> 32n;
  if (high === 0xffffn || high === 0x64ff9b0000000000000000n) return { family: 4, value: ip.value & 0xffffffffn };
  return null;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
