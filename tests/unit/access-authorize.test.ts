import { createAccess, type Access } from '../../gateway/access';
import { pseudonym } from '../../gateway/load/keys';
import type { Session } from '../../gateway/session';
import { MemoryStore } from '../../gateway/store';
import type { Store } from '../../gateway/store/types';
import type { UsageEvent } from '../../gateway/usage/record';
import type { Identity } from '../../idp-adapters/identity';
import type { ResourceInput } from '../../resource-catalog/schema';
import { Catalog } from '../../resource-catalog/catalog';
import { testConfig } from '../helpers/gateway';

const NOW = new Date('2026-03-02T10:00:00Z');
const IDLE_MINUTES = 30;

const reader = (subject: string): Identity => ({
  subject,
  institution: 'uni',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  source: { adapter: 'cas' },
  attributes: {},
});
const session = (id: string, subject = id): Session => ({ id, data: { createdAt: NOW.getTime(), lastSeenAt: NOW.getTime(), user: reader(subject) } });

const proxied = (id: string, licences: ResourceInput['licences']): ResourceInput => ({
  id,
  title: { en: id },
  vendor: 'V',
  hosts: [{ host: `${id}.example.com` }],
  access: [{ kind: 'proxy', start: `https://${id}.example.com/` }],
  licences,
});

const resources: ResourceInput[] = [
  proxied('open', [{ institution: 'uni' }]),
  proxied('seated', [{ institution: 'uni', seats: 1 }]),
  proxied('fallback', [{ institution: 'uni', seats: 1 }, { institution: 'uni' }]),
  proxied('limited', [{ institution: 'uni' }]),
  proxied('elsewhere', [{ institution: 'other' }]),
];

/** A Store that counts calls, to hold authorize to its Store budget. */
function counting(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls: () => calls };
}

function setUp() {
  let clock = NOW.getTime();
  const config = testConfig({
    institutions: [{ id: 'uni', name: { en: 'Uni' } }, { id: 'other', name: { en: 'Other' } }],
    resources,
    session: { idleTimeoutMinutes: IDLE_MINUTES },
    load: { resourceDownloadLimits: { limited: { items: 1, windowMinutes: 60, suspendMinutes: 60 } } },
  });
  const memory = new MemoryStore({ now: () => clock });
  const { store, calls } = counting(memory);
  const events: UsageEvent[] = [];
  const access: Access = createAccess({
    config,
    store,
    record: (event) => events.push(event),
    remember: () => undefined,
    userOf: (s) => (s.data.user ? pseudonym('unit-secret', s.data.user) : undefined),
    now: () => new Date(clock),
  });
  const catalog = new Catalog(config.resources);
  const resource = (id: string) => catalog.byId(id)!;
  return { access, memory, calls, events, resource, advance: (ms: number) => (clock += ms) };
}

describe('authorize: the one access decision', () => {
  it('costs no Store call for a resource without seats or download limit, nor for a denial decide() makes', async () => {
    const { access, calls, resource } = setUp();
    expect(await access.authorize(session('a'), resource('open'), NOW)).toMatchObject({ allow: true, method: { kind: 'proxy' } });
    expect(await access.authorize(session('a'), resource('elsewhere'), NOW)).toEqual({ allow: false, reason: 'not-subscribed' });
    expect(calls()).toBe(0);
  });

  it('takes a seat for use, keeps it for the same session, and refuses another session while it is held', async () => {
    const { access, memory, resource } = setUp();
    expect(await access.authorize(session('a'), resource('seated'), NOW)).toMatchObject({ allow: true });
    expect(await memory.holders('seats:seated:uni:0')).toEqual(['a']);
    expect(await access.authorize(session('a'), resource('seated'), NOW)).toMatchObject({ allow: true });
    expect(await access.authorize(session('b'), resource('seated'), NOW)).toMatchObject({ allow: false, reason: 'seats-full', licence: { seats: 1 } });
    expect(await memory.holders('seats:seated:uni:0')).toEqual(['a']);
    // The seat is listed under its session, so the session's end gives it back.
    await access.seats.releaseAll('a');
    expect(await access.authorize(session('b'), resource('seated'), NOW)).toMatchObject({ allow: true });
  });

  it('renews a seat on use: a seat in use does not expire, an idle one does and another session takes it', async () => {
    const { access, memory, resource, advance } = setUp();
    await access.authorize(session('a'), resource('seated'), NOW);
    advance((IDLE_MINUTES - 1) * 60_000);
    expect(await access.authorize(session('a'), resource('seated'), NOW)).toMatchObject({ allow: true });
    advance((IDLE_MINUTES - 1) * 60_000);
    expect(await access.authorize(session('b'), resource('seated'), NOW)).toMatchObject({ allow: false, reason: 'seats-full' });
    advance(2 * 60_000);
    expect(await access.authorize(session('b'), resource('seated'), NOW)).toMatchObject({ allow: true });
    expect(await access.authorize(session('a'), resource('seated'), NOW)).toMatchObject({ allow: false, reason: 'seats-full' });
    expect(await memory.holders('seats:seated:uni:0')).toEqual(['b']);
  });

  it('previews without taking a seat, by the same rule', async () => {
    const { access, memory, resource } = setUp();
    expect(await access.authorize(session('a'), resource('seated'), NOW, 'preview')).toMatchObject({ allow: true });
    expect(await memory.holders('seats:seated:uni:0')).toEqual([]);
    await access.authorize(session('b'), resource('seated'), NOW);
    expect(await access.authorize(session('a'), resource('seated'), NOW, 'preview')).toMatchObject({ allow: false, reason: 'seats-full' });
    expect(await access.authorize(session('b'), resource('seated'), NOW, 'preview')).toMatchObject({ allow: true });
  });

  it('falls back to a licence without seats when the seat-limited one is full', async () => {
    const { access, resource } = setUp();
    const fallback = resource('fallback');
    expect(await access.authorize(session('a'), fallback, NOW)).toMatchObject({ allow: true, licence: fallback.licences[0] });
    expect(await access.authorize(session('b'), fallback, NOW)).toMatchObject({ allow: true, licence: fallback.licences[1] });
  });

  it('refuses a suspended reader (download limit), with one Store read per request', async () => {
    const { access, calls, events, resource } = setUp();
    const a = session('a');
    expect(await access.authorize(a, resource('limited'), NOW)).toMatchObject({ allow: true });
    expect(calls()).toBe(1);
    await access.noteDownload(a, 'limited', { items: 1 });
    expect(await access.noteDownload(a, 'limited', { items: 1 })).toMatchObject({ reason: 'download-items' });
    expect(events).toEqual([expect.objectContaining({ type: 'suspension', resource: 'limited' })]);
    expect(await access.authorize(a, resource('limited'), NOW)).toEqual({ allow: false, reason: 'suspended' });
    expect(await access.authorize(session('b'), resource('limited'), NOW)).toMatchObject({ allow: true });
    // Without a limit, a download costs nothing.
    const before = calls();
    expect(await access.noteDownload(a, 'open', { items: 1 })).toBeUndefined();
    expect(calls()).toBe(before);
  });
});
