import request from 'supertest';
import { testConfig, testGateway } from '../helpers/gateway';
import { institutions, person, resources, signIn } from './load-harness';

const config = testConfig({
  institutions,
  resources,
  admin: { roles: { admins: { subjects: ['uni:it-admin'] } } },
  load: { resourceDownloadLimits: { books: { items: 3, windowMinutes: 60, suspendMinutes: 30 } } },
});

describe('download limits', () => {
  const { gateway, lines } = testGateway(config);
  const events = () => lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);
  afterAll(() => gateway.close());

  it('a download burst suspends the reader; an admin lifts it', async () => {
    const reader = await signIn(gateway, person('hoarder'));
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);

    // The proxy calls noteDownload for each item; the fourth within the window passes the limit of 3.
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await gateway.access.noteDownload(reader.session, 'books', { items: 1, bytes: 1_000_000 }));
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toMatchObject({ resource: 'books', reason: 'download-items', items: 4 });
    expect(events().filter((e) => e.type === 'suspension')).toEqual([expect.objectContaining({ resource: 'books', reason: 'download-items', institution: 'uni' })]);

    // The launch link now denies with the existing denial page; the user's page says until when.
    const denied = await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('suspended');
    const page = await request(gateway.handle).get('/suspended/books').set('Cookie', reader.cookie).set('Accept-Language', 'zh-CN');
    expect(page.status).toBe(403);
    expect(page.text).toContain('访问已暂停');
    // Another resource is not affected.
    expect((await request(gateway.handle).get('/go/journals').set('Cookie', reader.cookie)).status).toBe(303);

    // Readers may not see or lift suspensions.
    expect((await request(gateway.handle).get('/admin/suspensions').set('Cookie', reader.cookie)).status).toBe(403);

    const admin = await signIn(gateway, person('it-admin'));
    const list = await request(gateway.handle).get('/admin/suspensions').set('Cookie', admin.cookie);
    expect(list.status).toBe(200);
    const user = /name="user" value="([^"]+)"/.exec(list.text)?.[1];
    const token = /name="_csrf" value="([^"]+)"/.exec(list.text)?.[1];
    expect(user).toBeDefined();
    expect(token).toBeDefined();
    expect(list.text).not.toContain('hoarder');

    const forged = await request(gateway.handle).post('/admin/suspensions/lift').set('Cookie', admin.cookie).type('form').send({ resource: 'books', user, _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(403);

    const lift = await request(gateway.handle).post('/admin/suspensions/lift').set('Cookie', admin.cookie).type('form').send({ resource: 'books', user, _csrf: token });
    expect(lift.status).toBe(303);
    expect(events().filter((e) => e.type === 'suspension-lifted')).toEqual([expect.objectContaining({ resource: 'books', by: 'admin' })]);
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);
    expect((await request(gateway.handle).get('/admin/suspensions').set('Cookie', admin.cookie)).text).not.toContain('name="user"');

    // /admin/load shows the history of both.
    const load = await request(gateway.handle).get('/admin/load').set('Cookie', admin.cookie);
    expect(load.status).toBe(200);
    expect(load.text).toContain('data-event="suspension"');
    expect(load.text).toContain('data-event="suspension-lifted"');
    expect(load.text).toContain('data-resource="books"');
  });
});
