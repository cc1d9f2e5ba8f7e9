import request from 'supertest';
import { ADMIN_PASSWORD, adminGateway, identity } from './admin-harness';

const { gateway, signedIn, csrfFor, usage, lines } = adminGateway();
const librarian = identity({ subject: 'lib', groups: ['library-staff'] });
const admin = identity({ subject: 'boss', affiliations: ['staff'] });
const reloads = () => usage().filter((e) => e.type === 'admin-action' && e.action === 'catalog-reload');
const cookieOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0]?.split(';')[0] ?? '';

describe('admin access', () => {
  it('sends a signed-out visitor to discovery, keeping where they were going', async () => {
    const res = await request(gateway.handle).get('/admin/usage?from=2025-03-01');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/ds?returnTo=${encodeURIComponent('/admin/usage?from=2025-03-01')}`);
  });

  it('refuses a signed-in reader without a role with a bilingual 403', async () => {
    const cookie = await signedIn(identity());
    const en = await request(gateway.handle).get('/admin').set('Cookie', cookie);
    expect(en.status).toBe(403);
    expect(en.text).toContain('does not have a library administration role');
    const zh = await request(gateway.handle).get('/admin/usage').set('Cookie', cookie).set('Accept-Language', 'zh-CN');
    expect(zh.status).toBe(403);
    expect(zh.text).toContain('没有图书馆管理权限');
  });

  it('does not take a group from another institution for the librarian role', async () => {
    const cookie = await signedIn(identity({ institution: 'other', groups: ['library-staff'] }));
    expect((await request(gateway.handle).get('/admin/usage').set('Cookie', cookie)).status).toBe(403);
  });

  it('lets a group-mapped librarian read reports but not act', async () => {
    const cookie = await signedIn(librarian);
    const home = await request(gateway.handle).get('/admin').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('You are a librarian');
    expect(home.text).not.toContain('/admin/catalog/reload');
    expect((await request(gateway.handle).get('/admin/usage').set('Cookie', cookie)).status).toBe(200);
    const token = await csrfFor(cookie);
    const act = await request(gateway.handle).post('/admin/catalog/reload').set('Cookie', cookie).type('form').send({ _csrf: token });
    expect(act.status).toBe(403);
    expect(act.text).toContain('only administrators may do this');
    expect(reloads()).toEqual([]);
  });

  it('lets a subject-mapped admin act, with the action audited', async () => {
    const cookie = await signedIn(admin);
    const token = await csrfFor(cookie);
    const res = await request(gateway.handle).post('/admin/catalog/reload').set('Cookie', cookie).type('form').send({ _csrf: token });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Catalog reloaded: 2 databases');
    expect(reloads()).toEqual([{ type: 'admin-action', action: 'catalog-reload', target: 'catalog', ok: true, institution: 'uni' }]);
    expect(lines).toContainEqual(expect.objectContaining({ audit: true, action: 'catalog-reload', ok: true, role: 'admin', actor: 'uni:boss', resources: '2' }));
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'not-the-token'],
  ])('refuses an admin form with a %s CSRF token and does nothing', async (_kind, sent) => {
    const cookie = await signedIn(admin);
    await csrfFor(cookie); // the session has a token; the form does not carry it
    const before = reloads().length;
    const res = await request(gateway.handle).post('/admin/catalog/reload').set('Cookie', cookie).type('form').send(sent ? { _csrf: sent } : {});
    expect(res.status).toBe(403);
    expect(res.text).toContain('security token');
    expect(reloads().length).toBe(before);
    expect(usage()).toContainEqual(expect.objectContaining({ type: 'admin-action', action: 'csrf-check', ok: false, target: '/admin/catalog/reload' }));
  });

  it('does not accept another session\'s CSRF token', async () => {
    const mine = await signedIn(admin);
    const theirs = await csrfFor(await signedIn(admin));
    await csrfFor(mine);
    const res = await request(gateway.handle).post('/admin/catalog/reload').set('Cookie', mine).type('form').send({ _csrf: theirs });
    expect(res.status).toBe(403);
  });

  describe('bootstrap local admin', () => {
    const loginForm = async () => {
      const page = await request(gateway.handle).get('/admin/login?returnTo=%2Fadmin%2Fusage');
      expect(page.status).toBe(200);
      return { cookie: cookieOf(page), token: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
    };

    it('signs in with the right password, rotating the session, and is audited', async () => {
      const { cookie, token } = await loginForm();
      const res = await request(gateway.handle).post('/admin/login').set('Cookie', cookie).type('form')
        .send({ _csrf: token, username: 'root', password: ADMIN_PASSWORD, returnTo: '/admin/usage' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/usage');
      const session = cookieOf(res);
      expect(session).not.toBe(cookie);
      expect((await request(gateway.handle).get('/admin').set('Cookie', cookie)).status).toBe(303); // the old id is gone
      const home = await request(gateway.handle).get('/admin').set('Cookie', session);
      expect(home.status).toBe(200);
      expect(home.text).toContain('You are an administrator');
      expect(home.text).not.toContain(token); // a new session, a new CSRF token
      expect(usage()).toContainEqual({ type: 'admin-action', action: 'login', ok: true, institution: 'local' });
    });

    it('refuses a wrong password or user name', async () => {
      for (const [username, password] of [['root', 'wrong password!'], ['admin', ADMIN_PASSWORD]]) {
        const { cookie, token } = await loginForm();
        const res = await request(gateway.handle).post('/admin/login').set('Cookie', cookie).type('form').send({ _csrf: token, username, password });
        expect(res.status).toBe(401);
        expect(res.text).toContain('not right');
        expect((await request(gateway.handle).get('/admin').set('Cookie', cookie)).status).toBe(303);
      }
      expect(usage().filter((e) => e.action === 'login' && e.ok === false).length).toBeGreaterThanOrEqual(2);
    });

    it('refuses a sign-in without the form\'s CSRF token', async () => {
      const { cookie } = await loginForm();
      const res = await request(gateway.handle).post('/admin/login').set('Cookie', cookie).type('form').send({ username: 'root', password: ADMIN_PASSWORD });
      expect(res.status).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('signs out with the CSRF token, audited', async () => {
      const cookie = await signedIn(admin);
      const token = await csrfFor(cookie);
      const res = await request(gateway.handle).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: token });
      expect(res.status).toBe(303);
      expect((await request(gateway.handle).get('/admin').set('Cookie', cookie)).status).toBe(303);
      expect(usage()).toContainEqual(expect.objectContaining({ type: 'admin-action', action: 'logout', ok: true, institution: 'uni' }));
    });

    it('slows down guessing: after 5 failures for one user name from one address, 429 (more cases: tests/security/brute-force.test.ts)', async () => {
      const { gateway: fresh } = adminGateway();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await request(fresh.handle).get('/admin/login');
        const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
        const res = await request(fresh.handle).post('/admin/login').set('Cookie', cookieOf(page)).type('form').send({ _csrf: token, username: 'root', password: 'guess guess guess' });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });
  });
});
