import request from 'supertest';
import type { Identity } from '../../idp-adapters/identity';
import { signIn, testConfig, testGateway } from '../helpers/gateway';

const config = testConfig({
  server: { publicUrl: 'https://gw.lib.example.edu' },
  institutions: [{ id: 'uni', name: { en: 'Example University' } }],
  resources: [
    { id: 'cnki', title: { en: 'CNKI', zh: '中国知网' }, vendor: 'CNKI', subjects: ['multidisciplinary'], hosts: [{ host: 'cnki.net', match: 'domain' }], access: [{ kind: 'proxy', start: 'https://www.cnki.net/' }], licences: [{ institution: 'uni', affiliations: ['faculty', 'student'] }] },
    { id: 'acs', title: { en: 'ACS Publications', zh: '美国化学学会期刊' }, vendor: 'ACS', subjects: ['chemistry'], hosts: [{ host: 'pubs.acs.org' }], access: [{ kind: 'proxy', start: 'https://pubs.acs.org/' }], licences: [{ institution: 'uni', affiliations: ['faculty'] }] },
    { id: 'ieee', title: { en: 'IEEE Xplore' }, vendor: 'IEEE', subjects: ['engineering'], hosts: [{ host: 'ieeexplore.ieee.org' }], access: [{ kind: 'proxy', start: 'https://ieeexplore.ieee.org/' }], licences: [{ institution: 'uni', from: '2099-01-01' }] },
  ],
});
const { gateway } = testGateway(config);

const signedIn = async (identity: Partial<Identity>) =>
  (await signIn(gateway.sessions, { subject: 's', institution: 'uni', affiliations: ['student'], entitlements: [], groups: [], source: { adapter: 'cas' }, attributes: {}, ...identity })).cookie;

const titles = (text: string) => [...text.matchAll(/<strong>([^<]+)<\/strong>/g)].map((m) => m[1]);

describe('portal', () => {
  it('lists A–Z and searches Chinese and English titles, server-side', async () => {
    expect(titles((await request(gateway.handle).get('/').set('Accept-Language', 'en')).text)).toEqual(['ACS Publications', 'CNKI', 'IEEE Xplore']);
    expect(titles((await request(gateway.handle).get('/?q=%E7%9F%A5%E7%BD%91').set('Accept-Language', 'zh')).text)).toEqual(['中国知网']);
    expect(titles((await request(gateway.handle).get('/?q=xplore').set('Accept-Language', 'en')).text)).toEqual(['IEEE Xplore']);
    const none = await request(gateway.handle).get('/?q=nothing-like-this').set('Accept-Language', 'en');
    expect(none.text).toContain('No database matches your search.');
  });

  it('filters by subject and by letter', async () => {
    expect(titles((await request(gateway.handle).get('/?subject=chemistry').set('Accept-Language', 'en')).text)).toEqual(['ACS Publications']);
    expect(titles((await request(gateway.handle).get('/?letter=I').set('Accept-Language', 'en')).text)).toEqual(['IEEE Xplore']);
  });

  it('tells a signed-in user what they may use, and why not the rest', async () => {
    const cookie = await signedIn({ affiliations: ['student'] });
    const text = (await request(gateway.handle).get('/').set('Cookie', cookie).set('Accept-Language', 'en')).text;
    const item = (title: string) => text.slice(text.indexOf(`<strong>${title}</strong>`)).split('</li>')[0]!;
    expect(item('CNKI')).toContain('Available to you');
    expect(item('ACS Publications')).toContain('not your account type');
    expect(item('IEEE Xplore')).toContain('Access starts on 2099-01-01');
  });

  it('serves a QR code of each permanent link', async () => {
    const res = await request(gateway.handle).get('/go/cnki/qr.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.body.toString()).toContain('<svg');
    expect((await request(gateway.handle).get('/').set('Accept-Language', 'en')).text).toContain('<code>https://gw.lib.example.edu/go/cnki</code>');
    expect((await request(gateway.handle).get('/go/nothing/qr.svg')).status).toBe(404);
  });

  it('turns a vendor article URL into a library link, and refuses other hosts', async () => {
    const made = await request(gateway.handle).get(`/link?url=${encodeURIComponent('https://kns.cnki.net/kcms/detail?id=1')}`).set('Accept-Language', 'en');
    expect(made.text).toContain(`https://gw.lib.example.edu/go/cnki?target=${encodeURIComponent('https://kns.cnki.net/kcms/detail?id=1')}`);
    const other = await request(gateway.handle).get(`/link?url=${encodeURIComponent('https://example.org/x')}`).set('Accept-Language', 'en');
    expect(other.text).toContain('does not belong to any database');
    const junk = await request(gateway.handle).get('/link?url=ftp%3A%2F%2Fx').set('Accept-Language', 'en');
    expect(junk.text).toContain('That is not a web address');
  });
});

describe('portal and licence seats', () => {
  const seated = testConfig({
    institutions: [{ id: 'uni', name: { en: 'Example University' } }],
    resources: [{ id: 'wos', title: { en: 'Web of Science' }, vendor: 'Clarivate', hosts: [{ host: 'www.webofscience.com' }], access: [{ kind: 'proxy', start: 'https://www.webofscience.com/' }], licences: [{ institution: 'uni', seats: 1 }] }],
  });
  const { gateway: gw, store } = testGateway(seated);
  afterAll(() => gw.close());
  const reader = (subject: string) => signIn(gw.sessions, { subject, institution: 'uni', affiliations: ['faculty'], entitlements: [], groups: [], source: { adapter: 'cas' }, attributes: {} });
  const portal = async (cookie: string) => (await request(gw.handle).get('/').set('Cookie', cookie).set('Accept-Language', 'en')).text;

  it('shows by the launch rule whether a seat is free, and listing takes none', async () => {
    const a = await reader('a');
    const b = await reader('b');
    expect(await portal(a.cookie)).toContain('Available to you');
    expect(await portal(b.cookie)).toContain('Available to you');
    expect(await store.holders('seats:wos:uni:0')).toEqual([]);

    expect((await request(gw.handle).get('/go/wos').set('Cookie', b.cookie)).status).toBe(303);
    expect(await store.holders('seats:wos:uni:0')).toEqual([b.session.id]);
    expect(await portal(a.cookie)).toContain('All licensed seats are in use right now.');
    expect(await portal(b.cookie)).toContain('Available to you');
    expect(await store.holders('seats:wos:uni:0')).toEqual([b.session.id]);
  });
});
