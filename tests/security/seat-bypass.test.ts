import { MemoryStore, RedisStore } from '../../gateway/store';
import type { Store } from '../../gateway/store/types';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { get, member, proxiedHost, signedIn, startEcho, startGateway, type Echo, type RunningGateway } from '../integration/proxy-harness';

/**
 * Attack class: using a seat-limited licence without holding a seat, by going around the launch
 * link (/go) straight to a proxied URL: a bookmark, a shared link, a second tab after the seat
 * expired, or a reader whose access is suspended. Every case runs against the real gateway on a
 * real port, with the proxy in front of a recording upstream.
 */

const RESOURCE = 'seated';
const SEAT = `seats:${RESOURCE}:demo-university:0`;

/** What happens before the reader opens a proxied URL directly (never through /go). */
type Step =
  /** Another reader launches through /go (takes a seat). */
  | 'other-launches'
  /** Another reader opens a proxied URL directly. */
  | 'other-opens-proxied'
  /** The reader launches through /go. */
  | 'reader-launches'
  /** The reader's seat expires (its Store entry goes, as the idle TTL does). */
  | 'reader-seat-expires'
  /** The reader passes the download limit (two item downloads, limit 1) and is suspended. */
  | 'reader-suspended';

interface Case {
  name: string;
  input: { store: 'memory' | 'redis'; seats: number; before: Step[] };
  expect: {
    /** served: the upstream answered; seats-full: sent to /go, whose page says so; suspended: sent to /suspended/<id>. */
    outcome: 'served' | 'seats-full' | 'suspended';
    readerHoldsSeat: boolean;
  };
}

const cases: Case[] = [
  { name: 'a bookmark opened without a launch takes the free seat', input: { store: 'memory', seats: 1, before: [] }, expect: { outcome: 'served', readerHoldsSeat: true } },
  { name: 'a bookmark opened without a launch takes the free seat (Redis)', input: { store: 'redis', seats: 1, before: [] }, expect: { outcome: 'served', readerHoldsSeat: true } },
  { name: 'a shared link opened while another reader holds the only seat is refused', input: { store: 'memory', seats: 1, before: ['other-launches'] }, expect: { outcome: 'seats-full', readerHoldsSeat: false } },
  { name: 'a shared link opened while another reader holds the only seat is refused (Redis)', input: { store: 'redis', seats: 1, before: ['other-launches'] }, expect: { outcome: 'seats-full', readerHoldsSeat: false } },
  { name: 'the seat taken by another reader’s direct proxied request counts too', input: { store: 'memory', seats: 1, before: ['other-opens-proxied'] }, expect: { outcome: 'seats-full', readerHoldsSeat: false } },
  { name: 'two seats: a second reader opening directly gets the second one', input: { store: 'memory', seats: 2, before: ['other-opens-proxied'] }, expect: { outcome: 'served', readerHoldsSeat: true } },
  { name: 'a second tab of the seat holder keeps its seat', input: { store: 'memory', seats: 1, before: ['reader-launches'] }, expect: { outcome: 'served', readerHoldsSeat: true } },
  { name: 'a second tab after the seat expired takes a free seat again', input: { store: 'memory', seats: 1, before: ['reader-launches', 'reader-seat-expires'] }, expect: { outcome: 'served', readerHoldsSeat: true } },
  { name: 'a second tab after the seat expired and another reader took it is refused', input: { store: 'memory', seats: 1, before: ['reader-launches', 'reader-seat-expires', 'other-launches'] }, expect: { outcome: 'seats-full', readerHoldsSeat: false } },
  { name: 'a second tab after the seat expired and another reader took it is refused (Redis)', input: { store: 'redis', seats: 1, before: ['reader-launches', 'reader-seat-expires', 'other-launches'] }, expect: { outcome: 'seats-full', readerHoldsSeat: false } },
  { name: 'a suspended reader opening a proxied URL directly is refused', input: { store: 'memory', seats: 1, before: ['reader-suspended'] }, expect: { outcome: 'suspended', readerHoldsSeat: true } },
  { name: 'a suspended reader opening a proxied URL directly is refused (Redis)', input: { store: 'redis', seats: 1, before: ['reader-suspended'] }, expect: { outcome: 'suspended', readerHoldsSeat: true } },
];

let echo: Echo;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(async () => {
  await echo?.close();
});

/** A downloaded item is counted once its response has ended; wait for the suspension to be listed. */
async function untilSuspended(store: Store): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await store.holders('load:suspensions')).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the reader was not suspended');
}

test.each(cases)('$name', async ({ input, expect: want }) => {
  const prefix = testPrefix('seat-bypass');
  const store: Store = input.store === 'redis' ? new RedisStore({ url: REDIS_URL, keyPrefix: prefix }) : new MemoryStore();
  const suspending = input.before.includes('reader-suspended');
  let gw: RunningGateway | undefined;
  try {
    gw = await startGateway(
      () => ({
        institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
        resources: [
          {
            id: RESOURCE,
            title: { en: 'Seated Platform' },
            vendor: 'Seated',
            hosts: [{ host: `localhost:${echo.port}`, allowPrivate: true }],
            access: [{ kind: 'proxy', start: `http://localhost:${echo.port}/` }],
            licences: [{ institution: 'demo-university', seats: input.seats }],
            patterns: { item: ['/item/'] },
          },
        ],
        load: suspending ? { resourceDownloadLimits: { [RESOURCE]: { items: 1 } } } : {},
      }),
      { store, resolve: async (name) => (name === 'localhost' ? ['127.0.0.1'] : []) },
    );
    const { port, base } = gw;
    const vendorHost = proxiedHost(`localhost---http-${echo.port}`, port);
    const open = async (cookie: string, path: string) => {
      const res = await get(port, vendorHost, path, { cookie });
      await res.body.text();
      return res;
    };
    const launch = async (cookie: string) => {
      const res = await get(port, `localhost:${port}`, `/go/${RESOURCE}`, { cookie });
      await res.body.text();
      expect(res.statusCode).toBe(303);
    };

    const readerCookie = await signedIn(gw.gateway, member({ subject: 'reader' }));
    const otherCookie = await signedIn(gw.gateway, member({ subject: 'other' }));
    const readerSession = decodeURIComponent(readerCookie).slice('passway_sid=s:'.length).split('.')[0]!;
    for (const step of input.before) {
      if (step === 'other-launches') await launch(otherCookie);
      if (step === 'other-opens-proxied') expect((await open(otherCookie, '/other')).statusCode).toBe(200);
      if (step === 'reader-launches') await launch(readerCookie);
      if (step === 'reader-seat-expires') await store.release(SEAT, readerSession);
      if (step === 'reader-suspended') {
        for (const n of [1, 2]) expect((await open(readerCookie, `/item/${n}`)).statusCode).toBe(200);
        await untilSuspended(store);
      }
    }

    const path = `/article/${encodeURIComponent(input.before.join('+') || 'none')}?q=1`;
    const seenBefore = echo.seen.filter((s) => s.url === path).length;
    const res = await open(readerCookie, path);
    const reachedUpstream = echo.seen.filter((s) => s.url === path).length > seenBefore;

    if (want.outcome === 'served') {
      expect(res.statusCode).toBe(200);
      expect(reachedUpstream).toBe(true);
    } else {
      expect(reachedUpstream).toBe(false);
      expect(res.statusCode).toBe(303);
      const location = String(res.headers.location);
      if (want.outcome === 'suspended') {
        expect(location).toBe(`${base}/suspended/${RESOURCE}`);
      } else {
        // The launch link explains the refusal (and records it), and leads back to the page asked for.
        expect(location).toBe(`${base}/go/${RESOURCE}?target=${encodeURIComponent(`http://localhost:${echo.port}${path}`)}`);
        const page = await get(port, `localhost:${port}`, new URL(location).pathname + new URL(location).search, { cookie: readerCookie });
        expect(page.statusCode).toBe(403);
        expect(await page.body.text()).toContain('seats-full');
        expect(gw.lines.some((l) => l.usage === true && (l.event as { type?: string }).type === 'seat-full')).toBe(true);
      }
    }
    expect((await store.holders(SEAT)).includes(readerSession)).toBe(want.readerHoldsSeat);
    expect((await store.holders(SEAT)).length).toBeLessThanOrEqual(input.seats);
  } finally {
    await gw?.close();
    if (input.store === 'redis') {
      await store.close();
      await deletePrefix(prefix);
    }
  }
});
