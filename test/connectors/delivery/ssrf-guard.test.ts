import { describe, expect, it } from 'vitest';
import { checkDestination, type Resolver } from '../../../src/connectors/delivery/ssrf-guard.js';
import { parseIPv6, parseIp, formatIp } from '../../../src/connectors/delivery/ip-address.js';

/** Injected DNS: tests never touch the network. */
const dns = (table: Record<string, string[]>): Resolver => async (host) => {
  const a = table[host];
  if (!a) throw new Error('ENOTFOUND');
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const resolve = dns({
  'hooks.example.com': ['93.184.216.34'],
  'v6.example.com': ['2606:2800:220:1::1'],
  'sneaky.example.com': ['93.184.216.34', '10.0.0.5'],
  'metadata.example.com': ['169.254.169.254'],
  'n8n.lan': ['192.168.1.20'],
  'empty.example.com': [],
});

describe('checkDestination', () => {
  it('allows a public https destination and returns the addresses to connect to', async () => {
    const r = await checkDestination('https://hooks.example.com/in', { resolve });
    expect(r).toMatchObject({ ok: true, addresses: [{ address: '93.184.216.34', family: 4 }] });
    expect(await checkDestination('https://v6.example.com/', { resolve })).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp://hooks.example.com/x', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://127.0.0.1:6379/_', 'scheme_not_allowed'],
    ['not a url', 'malformed_url'],
    ['https://user:pw@hooks.example.com/', 'credentials_in_url'],
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.8.9.10:8080/', 'loopback'],
    ['http://localhost.test/', 'unresolvable'],
    ['http://[::1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link_local'],
    ['http://[fe80::1]/', 'link_local'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://100.64.0.1/', 'cgnat'],
    ['http://100.127.255.254/', 'cgnat'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'reserved'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'link_local'],
    ['http://[64:ff9b::10.0.0.1]/', 'private'],
    // decimal, hex, octal and short spellings of 127.0.0.1
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://127.1/', 'loopback'],
    // a public address spelled oddly is still refused: nobody legitimately configures one like that
    ['http://0x5d.0xb8.0xd8.0x22/', 'encoded_ip'],
    ['http://1572395042/', 'encoded_ip'],
    ['http://sneaky.example.com/', 'private'],
    ['http://metadata.example.com/', 'link_local'],
    ['http://empty.example.com/', 'unresolvable'],
  ])('%s → %s', async (url, reason) => {
    const r = await checkDestination(url, { resolve });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it('keeps the public boundaries just outside the blocked ranges open', async () => {
    for (const url of ['http://172.32.0.1/', 'http://100.128.0.1/', 'http://11.0.0.1/', 'http://192.169.0.1/', 'http://[2001:4860::8888]/']) {
      expect((await checkDestination(url, { resolve })).ok, url).toBe(true);
    }
  });

  it('an allow-listed host name bypasses the address checks', async () => {
    expect((await checkDestination('http://n8n.lan:5678/webhook', { resolve })).ok).toBe(false);
    expect(await checkDestination('http://N8N.lan:5678/webhook', { resolve, allowList: ['n8n.lan'] })).toMatchObject({ ok: true });
  });

  it('an allow-listed exact address or CIDR admits only that range', async () => {
    expect((await checkDestination('http://127.0.0.1:9000/', { allowList: ['127.0.0.1'] })).ok).toBe(true);
    expect((await checkDestination('http://127.0.0.2:9000/', { allowList: ['127.0.0.1'] })).ok).toBe(false);
    expect((await checkDestination('http://n8n.lan/', { resolve, allowList: ['192.168.1.0/24'] })).ok).toBe(true);
    expect((await checkDestination('http://192.168.2.1/', { allowList: ['192.168.1.0/24'] })).ok).toBe(false);
    expect((await checkDestination('http://0x7f.1/', { allowList: ['127.0.0.0/8'] })).ok).toBe(true);
  });

  it('one bad address among several refuses the destination and names it', async () => {
    const r = await checkDestination('https://sneaky.example.com/', { resolve });
    expect(r).toMatchObject({ ok: false, reason: 'private', address: '10.0.0.5' });
  });
});

describe('IP parsing', () => {
  it('parses IPv6 with :: and an embedded IPv4 tail', () => {
    expect(parseIPv6('::ffff:127.0.0.1')).toBe(parseIPv6('::ffff:7f00:1'));
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(parseIPv6('1:2:3:4:5:6:102:304'));
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIp('01.2.3.4')).toBeNull(); // leading zeros are not canonical
    expect(formatIp(parseIp('::1')!)).toBe('0:0:0:0:0:0:0:1');
  });
});
