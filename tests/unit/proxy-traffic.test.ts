import { ProxyTraffic } from '../../gateway/proxy/traffic';
import type { UsageEvent } from '../../gateway/usage';
import type { Identity } from '../../idp-adapters/identity';

const user = { subject: 'alice', institution: 'pku', affiliations: ['faculty'] } as unknown as Identity;
type Summary = Extract<UsageEvent, { type: 'proxy-summary' }>;
const sum = (events: Summary[], pick: (e: Summary) => number | undefined) => events.reduce((n, e) => n + (pick(e) ?? 0), 0);

test('an item is unique once per session, also after an idle flush wrote the earlier summary (Unique_Item_Requests)', () => {
  const events: Summary[] = [];
  let now = 0;
  const traffic = new ProxyTraffic({ record: (e) => events.push(e as Summary), everyRequests: 100, idleMs: 1_000, now: () => now });
  const note = (itemUrl: string) => traffic.note({ session: 's1', resource: 'ieee', user, bytes: 10, itemUrl, search: false, at: now });
  note('https://ieeexplore.ieee.org/document/1');
  now = 5_000;
  traffic.flushIdle(); // idle: the summary is written
  note('https://ieeexplore.ieee.org/document/1'); // the same article again, same session
  note('https://ieeexplore.ieee.org/document/2');
  traffic.close();
  expect(sum(events, (e) => e.itemRequests)).toBe(3);
  expect(sum(events, (e) => e.uniqueItemRequests)).toBe(2);
});

test('items are forgotten once the session could no longer be alive', () => {
  const events: Summary[] = [];
  let now = 0;
  const traffic = new ProxyTraffic({ record: (e) => events.push(e as Summary), everyRequests: 100, idleMs: 1_000, rememberItemsMs: 10_000, now: () => now });
  traffic.note({ session: 's1', resource: 'ieee', user, bytes: 10, itemUrl: 'https://x/1', search: false, at: now });
  now = 20_000;
  traffic.flushIdle();
  traffic.note({ session: 's1', resource: 'ieee', user, bytes: 10, itemUrl: 'https://x/1', search: false, at: now });
  traffic.close();
  expect(sum(events, (e) => e.uniqueItemRequests)).toBe(2);
});

test('with the usage log attached, every write carries the summaries of everything noted before it', () => {
  const events: Summary[] = [];
  let hook: () => void = () => {};
  let wakes = 0;
  const traffic = new ProxyTraffic({
    record: (e) => events.push(e as Summary),
    everyRequests: 100,
    idleMs: 60_000,
    writes: (h) => ((hook = h), { wake: () => wakes++ }),
  });
  for (let i = 0; i < 3; i++) traffic.note({ session: 's1', resource: 'ieee', user, bytes: 100, search: i === 0, at: 1 });
  traffic.note({ session: 's2', resource: 'ieee', user, bytes: 5, search: false, at: 1 });
  expect(events).toHaveLength(0);
  expect(wakes).toBe(4); // each note asks for a write within the flush window
  hook(); // the log writes
  expect(events.map((e) => [e.session, e.requests, e.bytes, e.searches])).toEqual([
    ['s1', 3, 300, 1],
    ['s2', 1, 5, 0],
  ]);
  hook();
  expect(events).toHaveLength(2); // nothing new, nothing written
  traffic.close();
});
