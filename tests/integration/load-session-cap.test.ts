import request from 'supertest';
import { testConfig, testGateway } from '../helpers/gateway';
import { institutions, person, resources, signIn } from './load-harness';

const config = testConfig({ institutions, resources, load: { maxSessionsPerUser: 2 } });

describe('per-user session cap', () => {
  const { gateway } = testGateway(config);
  afterAll(() => gateway.close());
  const signedIn = async (cookie: string) => (await request(gateway.handle).get('/').set('Cookie', cookie)).text.includes('/logout');

  it('a third sign-in ends the least recently used session, and its seat is released', async () => {
    const first = await signIn(gateway, person('sharer'));
    expect((await request(gateway.handle).get('/go/journals').set('Cookie', first.cookie)).status).toBe(303);
    expect(await gateway.load.store.holders('seats:journals:uni:0')).toEqual([first.session.id]);
    const second = await signIn(gateway, person('sharer'));
    const someoneElse = await signIn(gateway, person('other-reader'));
    expect(await signedIn(first.cookie)).toBe(true);

    const third = await signIn(gateway, person('sharer'));
    expect(await signedIn(first.cookie)).toBe(false);
    expect(await signedIn(second.cookie)).toBe(true);
    expect(await signedIn(third.cookie)).toBe(true);
    expect(await signedIn(someoneElse.cookie)).toBe(true);
    expect(await gateway.load.store.holders('seats:journals:uni:0')).toEqual([]);
  });
});
