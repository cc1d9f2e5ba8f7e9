import { DownloadLimits } from '../../gateway/access/downloads';
import { episodeCause, isNewLoginOrLaunch, OverloadGuard, type Episode } from '../../gateway/load/overload';
import { MemoryStore } from '../../gateway/store';
import { testConfig } from '../helpers/gateway';

describe('overload guard', () => {
  const limits = { maxInFlight: 10, maxEventLoopLagMs: 200, maxEventLoopUtilization: 0.9, signedInLaunchHeadroom: 2 };

  it('sheds only while over a limit and reports each episode once, with its counts', () => {
    let inFlight = 0;
    let lagMs = 0;
    const ended: Episode[] = [];
    const guard = new OverloadGuard(limits, { inFlight: () => inFlight, lagMs: () => lagMs, utilization: () => 0 }, (e) => ended.push(e));
    inFlight = 5;
    expect(guard.shouldShed()).toBe(false);
    inFlight = 11;
    expect(guard.shouldShed()).toBe(true);
    inFlight = 14;
    expect(guard.shouldShed()).toBe(true);
    inFlight = 10; // at the limit, not yet recovered: the episode stays open
    guard.settle();
    expect(ended).toHaveLength(0);
    inFlight = 2;
    guard.settle();
    guard.settle();
    expect(ended).toEqual([expect.objectContaining({ shed: 2, peakInFlight: 14, inFlightPassed: true, lagPassed: false })]);

    lagMs = 500;
    expect(guard.shouldShed()).toBe(true);
    lagMs = 0;
    guard.settle();
    expect(ended).toHaveLength(2);
    expect(ended[1]).toMatchObject({ shed: 1, lagPassed: true, inFlightPassed: false, peakLagMs: 500 });
  });

  it('sheds anonymous login starts first: signed-in launches only past the headroom', () => {
    let inFlight = 15;
    let lagMs = 0;
    const guard = new OverloadGuard(limits, { inFlight: () => inFlight, lagMs: () => lagMs, utilization: () => 0 }, () => undefined);
    expect(guard.shouldShed('anonymous')).toBe(true);
    expect(guard.shouldShed('signed-in')).toBe(false);
    inFlight = 21; // past 2 × maxInFlight
    expect(guard.shouldShed('signed-in')).toBe(true);
    inFlight = 0;
    lagMs = 300;
    expect(guard.shouldShed('anonymous')).toBe(true);
    expect(guard.shouldShed('signed-in')).toBe(false);
    lagMs = 401;
    expect(guard.shouldShed('signed-in')).toBe(true);
    expect(guard.current()?.shed).toBe(4);
  });

  it('notices a busy event loop (utilisation) with low lag and few requests, and never sheds signed-in launches for it alone', () => {
    let utilization = 0.97;
    const ended: Episode[] = [];
    const guard = new OverloadGuard(limits, { inFlight: () => 3, lagMs: () => 5, utilization: () => utilization }, (e) => ended.push(e));
    expect(guard.overloaded()).toBe(true);
    expect(guard.shouldShed('anonymous')).toBe(true);
    expect(guard.shouldShed('signed-in')).toBe(false);
    utilization = 0.85; // under the limit, not yet under 90 % of it: the episode stays open
    guard.settle();
    expect(ended).toHaveLength(0);
    expect(guard.shouldShed('anonymous')).toBe(false);
    utilization = 0.5;
    guard.settle();
    expect(ended).toEqual([expect.objectContaining({ shed: 1, utilizationPassed: true, inFlightPassed: false, lagPassed: false })]);
    expect(episodeCause(ended[0]!)).toBe('event-loop-utilization');
  });

  it('a utilisation limit of 1 is off', () => {
    const guard = new OverloadGuard({ ...limits, maxEventLoopUtilization: 1 }, { inFlight: () => 0, lagMs: () => 0, utilization: () => 1 }, () => undefined);
    expect(guard.shouldShed('anonymous')).toBe(false);
    expect(guard.recovered()).toBe(true);
  });

  it.each([
    ['/go/cnki', true],
    ['/login', true],
    ['/ds', true],
    ['/auth/campus/login', true],
    ['/auth/saml/acs', false],
    ['/auth/campus/callback', false],
    ['/', false],
    ['/logout', false],
    ['/admin/load', false],
    ['/healthz', false],
  ])('%s is a new login or launch: %s', (path, shed) => {
    expect(isNewLoginOrLaunch(path)).toBe(shed);
  });
});

describe('download limits: sliding window', () => {
  const config = testConfig({ load: { downloadLimits: { items: 10, bytes: 5000, windowMinutes: 10, suspendMinutes: 5 } } }).load;
  const who = { institution: 'uni', subject: 's1' };

  it('weights the previous window by its overlap, suspends once, and lifts', async () => {
    let now = 10 * 600_000; // the start of a window
    const store = new MemoryStore({ now: () => now });
    const limits = new DownloadLimits(store, config, () => now);
    for (let i = 0; i < 10; i++) expect(await limits.note('db', 'u1', who, { items: 1 })).toBeUndefined();
    // Half-way into the next window, half of the previous 10 still counts: 5 + 5 = 10, at the limit.
    now += 600_000 + 300_000;
    for (let i = 0; i < 5; i++) expect(await limits.note('db', 'u1', who, { items: 1 })).toBeUndefined();
    const suspension = await limits.note('db', 'u1', who, { items: 1 });
    expect(suspension).toMatchObject({ reason: 'download-items', items: 11, institution: 'uni' });
    expect(await limits.note('db', 'u1', who, { items: 1 })).toBeUndefined(); // already suspended: reported once
    expect(await limits.list()).toHaveLength(1);
    expect(await limits.lift('db', 'u1')).toMatchObject({ resource: 'db' });
    expect(await limits.list()).toHaveLength(0);
    expect(await limits.note('db', 'u1', who, { items: 1 })).toBeUndefined(); // windows cleared by the lift
    await store.close();
  });

  it('counts bytes too, and each user and resource apart', async () => {
    const store = new MemoryStore();
    const limits = new DownloadLimits(store, config);
    expect(await limits.note('db', 'u2', who, { items: 1, bytes: 4000 })).toBeUndefined();
    expect(await limits.note('other', 'u2', who, { items: 1, bytes: 4000 })).toBeUndefined();
    expect(await limits.note('db', 'u3', who, { items: 1, bytes: 4000 })).toBeUndefined();
    expect(await limits.note('db', 'u2', who, { items: 1, bytes: 2000 })).toMatchObject({ reason: 'download-bytes' });
    await store.close();
  });
});
