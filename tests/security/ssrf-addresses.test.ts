/**
 * Attack class: a catalogued vendor name that resolves to an address inside (loopback, private,
 * link-local, reserved, multicast, ...) or to an IPv6 spelling of one (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4, Teredo). Each case goes through the one address policy three ways: the proxy's
 * address choice, `passway vendor check`'s DNS check, and (for refusals) the real proxy with a
 * pinned resolver, where the trap upstream must see nothing. Add a case in one line.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { pickAddress } from '../../gateway/proxy/address-guard';
import { addressRange, checkResources, defaultDeps, isPublicAddress, Resource } from '../../resource-catalog';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway } from '../integration/proxy-harness';

interface Case {
  name: string;
  input: string;
  expect: 'refused' | 'allowed';
}

const cases: Case[] = [
  { name: 'IPv4-compatible loopback', input: '::7f00:1', expect: 'refused' },
  { name: 'IPv4-compatible private', input: '::a00:1', expect: 'refused' },
  { name: 'IPv4-mapped loopback', input: '::ffff:127.0.0.1', expect: 'refused' },
  { name: 'IPv4-mapped metadata', input: '::ffff:169.254.169.254', expect: 'refused' },
  { name: 'IPv4-translated (RFC 6145) loopback', input: '::ffff:0:7f00:1', expect: 'refused' },
  { name: 'NAT64 of a private address', input: '64:ff9b::a00:1', expect: 'refused' },
  { name: 'NAT64 of loopback', input: '64:ff9b::7f00:1', expect: 'refused' },
  { name: 'NAT64 local-use prefix', input: '64:ff9b:1::a00:1', expect: 'refused' },
  { name: '6to4 of loopback', input: '2002:7f00:1::1', expect: 'refused' },
  { name: 'Teredo', input: '2001:0:4136:e378:8000:63bf:3fff:fdd2', expect: 'refused' },
  { name: 'IETF protocol assignments (192.0.0.0/24)', input: '192.0.0.8', expect: 'refused' },
  { name: 'benchmarking (198.18.0.0/15)', input: '198.18.0.1', expect: 'refused' },
  { name: 'documentation (TEST-NET-1)', input: '192.0.2.1', expect: 'refused' },
  { name: 'IPv4 multicast', input: '224.0.0.1', expect: 'refused' },
  { name: 'limited broadcast', input: '255.255.255.255', expect: 'refused' },
  { name: 'reserved 240.0.0.0/4', input: '240.0.0.1', expect: 'refused' },
  { name: 'unspecified IPv4', input: '0.0.0.0', expect: 'refused' },
  { name: '"this network" 0.0.0.0/8', input: '0.1.2.3', expect: 'refused' },
  { name: 'carrier-grade NAT', input: '100.64.0.1', expect: 'refused' },
  { name: 'loopback', input: '127.0.0.1', expect: 'refused' },
  { name: 'loopback, not .1', input: '127.53.0.1', expect: 'refused' },
  { name: 'private 10/8', input: '10.0.0.1', expect: 'refused' },
  { name: 'private 172.16/12', input: '172.31.255.254', expect: 'refused' },
  { name: 'private 192.168/16', input: '192.168.1.1', expect: 'refused' },
  { name: 'cloud metadata (link-local)', input: '169.254.169.254', expect: 'refused' },
  { name: 'IPv6 loopback', input: '::1', expect: 'refused' },
  { name: 'IPv6 unspecified', input: '::', expect: 'refused' },
  { name: 'IPv6 link-local', input: 'fe80::1', expect: 'refused' },
  { name: 'IPv6 unique local', input: 'fc00::1', expect: 'refused' },
  { name: 'IPv6 unique local fd00::/8', input: 'fd12:3456::1', expect: 'refused' },
  { name: 'IPv6 multicast', input: 'ff02::1', expect: 'refused' },
  { name: 'IPv6 documentation', input: '2001:db8::1', expect: 'refused' },
  { name: 'not an address', input: 'localhost', expect: 'refused' },
  { name: 'public IPv4', input: '93.184.215.14', expect: 'allowed' },
  { name: 'public IPv4 (CNKI-like)', input: '202.112.0.1', expect: 'allowed' },
  { name: 'public IPv6', input: '2606:4700::6810:84e5', expect: 'allowed' },
  { name: 'IPv4-mapped public', input: '::ffff:93.184.215.14', expect: 'allowed' },
  { name: 'NAT64 of a public address (DNS64 on an IPv6-only host)', input: '64:ff9b::5db8:d70e', expect: 'allowed' },
];

const refused = cases.filter((c) => c.expect === 'refused');
const hostOf = (c: Case) => `case${cases.indexOf(c)}.vendor.example`;

describe('one address policy', () => {
  it.each(cases)('$name ($input): $expect by the proxy and by vendor check', async ({ input, expect: verdict }) => {
    expect(isPublicAddress(input)).toBe(verdict === 'allowed');
    // The proxy connects only to an address it checked.
    expect(pickAddress([input], false)).toBe(verdict === 'allowed' ? input : undefined);
    // vendor check: the same rule, through its DNS check (the start page probe is outside the machine: stubbed).
    const resource = Resource.parse({
      id: 'vendor',
      title: { en: 'Vendor' },
      vendor: 'Vendor',
      hosts: [{ host: 'www.vendor.example' }],
      access: [{ kind: 'proxy', start: 'https://www.vendor.example/' }],
      licences: [{ institution: 'uni' }],
    });
    const deps = defaultDeps({ lookup: async () => [{ address: input, family: net.isIP(input) || 4 }], probe: async () => ({ status: 200 }) });
    const [report] = await checkResources([resource], { institutions: [{ id: 'uni' }], logins: [] }, undefined, deps);
    const dns = report!.checks.find((c) => c.message.startsWith('host www.vendor.example'));
    expect(dns?.status).toBe(verdict === 'allowed' ? 'pass' : 'fail');
    if (verdict === 'refused') expect(dns?.message).toContain(`${input}: ${addressRange(input)}`);
  });

  it('a host rule that allows private addresses still reaches them (the demo vendor on 127.0.0.1)', () => {
    expect(pickAddress(['127.0.0.1'], true)).toBe('127.0.0.1');
    expect(pickAddress(['not-an-address'], true)).toBeUndefined();
    // A mixed answer: only the checked public address is connected to.
    expect(pickAddress(['10.0.0.1', '93.184.215.14'], false)).toBe('93.184.215.14');
  });
});

describe('through the real proxy with a pinned resolver', () => {
  let trap: http.Server;
  let trapPort: number;
  const seen: string[] = [];
  let gw: RunningGateway;
  let cookie: string;

  beforeAll(async () => {
    trap = http.createServer((req, res) => {
      seen.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
      res.end('trap');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapPort = (trap.address() as AddressInfo).port;
    const entry = (id: string, host: string, allowPrivate = false) => ({
      id,
      title: { en: id },
      vendor: id,
      hosts: [{ host: `${host}:${trapPort}`, allowPrivate }],
      access: [{ kind: 'proxy' as const, start: `http://${host}:${trapPort}/` }],
      licences: [{ institution: 'demo-university' }],
    });
    const pinned: Record<string, string[]> = Object.fromEntries(refused.map((c) => [hostOf(c), [c.input]]));
    pinned['control.vendor.example'] = ['127.0.0.1'];
    gw = await startGateway(
      () => ({
        institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
        resources: [...refused.map((c) => entry(`case${cases.indexOf(c)}`, hostOf(c))), entry('control', 'control.vendor.example', true)],
      }),
      { resolve: async (name) => pinned[name] ?? [] },
    );
    cookie = await signedIn(gw.gateway);
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((resolve) => trap?.close(resolve));
  });

  const proxied = (host: string) => proxiedHost(`${host.replace(/\./g, '-')}---http-${trapPort}`, gw.port);

  it('control: a name pinned to 127.0.0.1 whose rule allows private addresses reaches the upstream', async () => {
    const res = await get(gw.port, proxied('control.vendor.example'), '/ok', { cookie });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('trap');
  });

  it.each(refused)('$name: a name resolving to $input gets the refusal page, a log line, nothing upstream', async (c) => {
    const before = seen.length;
    const res = await get(gw.port, proxied(hostOf(c)), '/latest/meta-data/', { cookie });
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('internal network address');
    expect(gw.lines).toContainEqual(expect.objectContaining({ msg: 'proxy refused a private address', host: `${hostOf(c)}:${trapPort}`, address: c.input }));
    expect(seen.length).toBe(before);
  });
});
