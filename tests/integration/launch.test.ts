import request from 'supertest';
import type { Identity } from '../../idp-adapters/identity';
import { signIn, testConfig, testGateway } from '../helpers/gateway';

const IDP = 'https://idp.uni.example.edu/idp/shibboleth';
const config = testConfig({
  server: { trustProxy: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] },
  onCampus: { ranges: ['10.8.0.0/16'] },
  catalog: { timeZone: 'Asia/Shanghai' },
  institutions: [
    { id: 'uni', name: { en: 'Example University', zh: '示例大学' } },
    { id: 'other', name: { en: 'Other College' } },
  ],
  contact: { email: 'eresources@lib.example.edu' },
  documentDelivery: { name: { en: 'Document delivery', zh: '原文传递' }, url: 'https://ill.lib.example.edu/openurl?{openurl}' },
  resources: [
    {
      id: 'journals',
      title: { en: 'Journal Platform', zh: '期刊平台' },
      vendor: 'Publisher',
      hosts: [{ host: 'journals.example.com' }, { host: 'sp.journals.example.com' }],
      access: [
        { kind: 'wayfless', template: 'https://sp.journals.example.com/Shibboleth.sso/Login?entityID={entityIDEncoded}&target={targetEncoded}' },
        { kind: 'proxy', start: 'https://journals.example.com/' },
      ],
      licences: [{ institution: 'uni', affiliations: ['faculty', 'student'] }],
    },
    {
      id: 'samlonly',
      title: { en: 'SAML Only' },
      vendor: 'V',
      hosts: [{ host: 'samlonly.example.com' }],
      access: [{ kind: 'wayfless', template: 'https://samlonly.example.com/sso?idp={entityIDEncoded}' }],
      licences: [{ institution: 'uni' }],
    },
    { id: 'trial', title: { en: 'Trial DB' }, vendor: 'V', hosts: [{ host: 'trial.example.com' }], access: [{ kind: 'proxy', start: 'https://trial.example.com/' }], licences: [{ institution: 'uni', from: '2099-01-01', until: '2099-12-31' }] },
    { id: 'ended', title: { en: 'Ended DB' }, vendor: 'V', hosts: [{ host: 'ended.example.com' }], access: [{ kind: 'proxy', start: 'https://ended.example.com/' }], licences: [{ institution: 'uni', until: '2020-12-31' }] },
    { id: 'open', title: { en: 'Open Journals' }, vendor: 'OA', hosts: [{ host: 'open.example.org', match: 'domain' }], access: [{ kind: 'direct', url: 'https://open.example.org/' }] },
  ],
});

const { gateway, lines } = testGateway(config);
const usage = () => lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);

const user = (over: Partial<Identity> = {}): Identity => ({
  subject: 'abc',
  institution: 'uni',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  displayName: 'Zhang Wei',
  source: { adapter: 'saml', idp: IDP },
  attributes: {},
  ...over,
});

const signedIn = async (identity: Identity) => (await signIn(gateway.sessions, identity)).cookie;

describe('launch', () => {
  it('sends a signed-out user to discovery, keeping the launch', async () => {
    const res = await request(gateway.handle).get('/go/journals?target=https%3A%2F%2Fjournals.example.com%2Farticle%2F1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/ds?returnTo=${encodeURIComponent('/go/journals?target=https%3A%2F%2Fjournals.example.com%2Farticle%2F1')}`);
  });

  it('sends a SAML-signed-in user through the WAYFless link with the article as target', async () => {
    const cookie = await signedIn(user());
    const res = await request(gateway.handle).get('/go/journals?target=https%3A%2F%2Fjournals.example.com%2Farticle%2F1').set('Cookie', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(
      `https://sp.journals.example.com/Shibboleth.sso/Login?entityID=${encodeURIComponent(IDP)}&target=${encodeURIComponent('https://journals.example.com/article/1')}`,
    );
    expect(usage()).toContainEqual({ type: 'launch', resource: 'journals', method: 'wayfless', institution: 'uni', onCampus: false, affiliations: ['faculty'] });
  });

  it('ignores a target outside the resource in favour of its start page (no open redirect)', async () => {
    const cookie = await signedIn(user());
    const res = await request(gateway.handle).get('/go/journals?target=https%3A%2F%2Fevil.example%2Fphish').set('Cookie', cookie);
    expect(res.headers.location).toContain(`target=${encodeURIComponent('https://journals.example.com/')}`);
    expect(res.headers.location).not.toContain('evil');
  });

  it('falls back to the proxy for a CAS-signed-in user', async () => {
    const cookie = await signedIn(user({ source: { adapter: 'cas', idp: 'https://cas.uni.example.edu/cas' } }));
    const res = await request(gateway.handle).get('/go/journals').set('Cookie', cookie).set('Accept-Language', 'en');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('http://journals-example-com.p.localhost:8080/');
    expect(usage()).toContainEqual(expect.objectContaining({ type: 'launch', resource: 'journals', method: 'proxy' }));
  });

  it.each([
    ['an alum', 'journals', user({ affiliations: ['alum'] }), 'affiliation-not-licensed', 'not your account type'],
    ['another institution', 'journals', user({ institution: 'other' }), 'not-subscribed', 'does not subscribe'],
    ['a trial not begun', 'trial', user(), 'not-yet-available', 'Access starts on 2099-01-01'],
    ['an ended licence', 'ended', user(), 'licence-ended', 'The licence ended on 2020-12-31'],
    ['a SAML-only vendor and a CAS login', 'samlonly', user({ source: { adapter: 'cas' } }), 'no-access-method', 'federated (SAML) sign-in'],
  ])('denies %s with the reason, the contact and document delivery', async (_name, id, identity, reason, text) => {
    const cookie = await signedIn(identity);
    const res = await request(gateway.handle).get(`/go/${id}`).set('Cookie', cookie).set('Accept-Language', 'en');
    expect(res.status).toBe(403);
    expect(res.text).toContain(`<code>${reason}</code>`);
    expect(res.text).toContain(text);
    expect(res.text).toContain('mailto:eresources@lib.example.edu');
    expect(res.text).toContain('https://ill.lib.example.edu/openurl?url_ver=Z39.88-2004');
    expect(usage()).toContainEqual(expect.objectContaining({ type: 'denial', resource: id, reason }));
  });

  it('explains a denial in Chinese and prefills document delivery with the article DOI', async () => {
    const cookie = await signedIn(user({ affiliations: ['alum'] }));
    const target = 'https://journals.example.com/doi/10.1000/xyz123';
    const res = await request(gateway.handle).get(`/go/journals?target=${encodeURIComponent(target)}`).set('Cookie', cookie).set('Accept-Language', 'zh-CN');
    expect(res.text).toContain('无法访问 期刊平台');
    expect(res.text).toContain('原文传递');
    expect(res.text).toContain(encodeURIComponent('info:doi/10.1000/xyz123'));
  });

  it('answers an unknown resource with 404', async () => {
    expect((await request(gateway.handle).get('/go/nothing')).status).toBe(404);
  });

  it('opens an open-access resource without sign-in', async () => {
    const res = await request(gateway.handle).get('/go/open?target=https%3A%2F%2Fwww.open.example.org%2Fa');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://www.open.example.org/a');
  });
});

describe('EZproxy-style /login?url=', () => {
  it('finds the resource by host and launches it', async () => {
    const cookie = await signedIn(user());
    const res = await request(gateway.handle).get('/login?url=https://journals.example.com/article/9').set('Cookie', cookie);
    expect(res.headers.location).toContain(`target=${encodeURIComponent('https://journals.example.com/article/9')}`);
    const qurl = await request(gateway.handle).get(`/login?qurl=${encodeURIComponent('https://journals.example.com/article/9?a=1&b=2')}`).set('Cookie', cookie);
    expect(qurl.headers.location).toContain(`target=${encodeURIComponent('https://journals.example.com/article/9?a=1&b=2')}`);
  });

  it('takes everything after url= as the address, as link resolvers (OpenURL, SFX) rely on', async () => {
    const cookie = await signedIn(user());
    const openUrl = 'https://journals.example.com/openurl?url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:journal&rft.atitle=Open%20access&rft.issn=0002-9475&rft.volume=12&rft.spage=3&sfx.ignore_date_threshold=1';
    const res = await request(gateway.handle).get(`/login?url=${openUrl}`).set('Cookie', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain(`target=${encodeURIComponent(openUrl)}`);
  });

  it('keeps the whole url= through sign-in (discovery returns to the same starting point)', async () => {
    const res = await request(gateway.handle).get('/login?url=https://journals.example.com/openurl?issn=0002-9475&volume=12&spage=3&genre=article');
    expect(res.headers.location).toBe(`/ds?returnTo=${encodeURIComponent('/login?url=https://journals.example.com/openurl?issn=0002-9475&volume=12&spage=3&genre=article')}`);
  });

  it('refuses an uncatalogued host with a page and an event, never a redirect', async () => {
    const res = await request(gateway.handle).get('/login?url=https://evil.example/phish').set('Accept-Language', 'en');
    expect(res.status).toBe(404);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('does not belong to any database');
    expect(usage()).toContainEqual({ type: 'uncatalogued', host: 'evil.example' });
    expect((await request(gateway.handle).get('/login?url=javascript:alert(1)')).status).toBe(400);
    expect((await request(gateway.handle).get('/login')).status).toBe(400);
  });
});

describe('on-campus bypass', () => {
  it('sends campus addresses straight to the vendor without sign-in, counted as on-campus', async () => {
    const res = await request(gateway.handle).get('/go/journals?target=https%3A%2F%2Fjournals.example.com%2Farticle%2F1').set('X-Forwarded-For', '10.8.3.4');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://journals.example.com/article/1');
    expect(usage()).toContainEqual({ type: 'launch', resource: 'journals', method: 'direct', onCampus: true, affiliations: [] });
    const offCampus = await request(gateway.handle).get('/go/journals').set('X-Forwarded-For', '203.0.113.9');
    expect(offCampus.headers.location).toMatch(/^\/ds\?returnTo=/);
  });
});
