import { classifyUrl, ProxyTraffic } from '../../gateway/proxy/traffic';
import { Resource } from '../../resource-catalog/schema';
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

test('identified items: what the item pattern captured, per item in each summary, for the Item and Title Reports', () => {
  const resource = Resource.parse({
    id: 'wiley', title: { en: 'Wiley' }, vendor: 'Wiley', hosts: [{ host: 'onlinelibrary.wiley.com' }], access: [{ kind: 'direct', url: 'https://onlinelibrary.wiley.com/' }],
    patterns: { item: ['/doi/(?:pdf|epdf|full)/(?<doi>10\\.\\d{4,9}(?:/|%2F)[^?#]+)', '/toc/(?<online_issn>\\d{4}-?\\d{3}[\\dXx])/issue/(?<item>\\d+)'] },
  });
  expect(classifyUrl(resource, 'https://onlinelibrary.wiley.com/doi/pdf/10.1002%2Fadma.202400001')).toEqual({ item: true, search: false, ref: { doi: '10.1002/adma.202400001' } });
  expect(classifyUrl(resource, 'https://onlinelibrary.wiley.com/toc/15214095/issue/7').ref).toEqual({ id: '7', title: { type: 'journal', onlineIssn: '1521-4095' } });
  expect(classifyUrl(resource, 'https://onlinelibrary.wiley.com/about')).toEqual({ item: false, search: false });

  const events: Summary[] = [];
  const traffic = new ProxyTraffic({ record: (e) => events.push(e as Summary), everyRequests: 100, idleMs: 1_000 });
  const doi = { doi: '10.1002/adma.202400001' };
  for (const item of [doi, doi, { id: '7' }, undefined]) traffic.note({ session: 's1', resource: 'wiley', user, bytes: 1, itemUrl: 'https://x/', item, search: false, at: 1 });
  traffic.close();
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ itemRequests: 4, items: [{ ...doi, requests: 2 }, { id: '7', requests: 1 }] });
});

test('a session itemises at most 1,000 items per resource; further items count for the database only', () => {
  const events: Summary[] = [];
  const traffic = new ProxyTraffic({ record: (e) => events.push(e as Summary), everyRequests: 100_000, idleMs: 1_000 });
  for (let i = 0; i < 1_200; i++) traffic.note({ session: 's1', resource: 'wiley', user, bytes: 1, itemUrl: `https://x/${i}`, item: { id: String(i) }, search: false, at: 1 });
  traffic.note({ session: 's1', resource: 'wiley', user, bytes: 1, itemUrl: 'https://x/0', item: { id: '0' }, search: false, at: 1 }); // an itemised one again
  traffic.close();
  expect(sum(events, (e) => e.itemRequests)).toBe(1_201);
  expect(events.flatMap((e) => e.items ?? [])).toHaveLength(1_000);
  expect(events.flatMap((e) => e.items ?? []).find((i) => i.id === '0')?.requests).toBe(2);
});
