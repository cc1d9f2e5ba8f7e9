/** The one rule for when federation metadata needs IT's attention (page, /readyz and /metrics all use it). */
import { alertLine, federationAlerts, type SourceStatus } from '../../idp-adapters/saml';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(NOW + ms).toISOString();
const source = (over: Partial<SourceStatus>): SourceStatus => ({ federation: 'carsi', kind: 'aggregate', source: 'https://x/md.xml', entities: 3, failures: 0, ...over });
const alerts = (...sources: SourceStatus[]) => federationAlerts({ federation: 'carsi', sources }, NOW);

test('within a day of validUntil: expiring; past it: expired; further off: nothing', () => {
  expect(alerts(source({ validUntil: at(25 * HOUR) }))).toEqual([]);
  expect(alerts(source({ validUntil: at(24 * HOUR) }))).toEqual([{ kind: 'expiring', federation: 'carsi', source: 'aggregate', validUntil: at(24 * HOUR) }]);
  expect(alerts(source({ validUntil: at(-1) }))).toEqual([{ kind: 'expired', federation: 'carsi', source: 'aggregate', validUntil: at(-1) }]);
  expect(alerts(source({ kind: 'mdq', validUntil: at(2 * HOUR) }))).toEqual([{ kind: 'expiring', federation: 'carsi', source: 'mdq', validUntil: at(2 * HOUR) }]);
});

test('an aggregate with no verified copy alerts once it has failed, not while its first load is under way', () => {
  expect(alerts(source({ entities: 0, lastFetch: at(0) }))).toEqual([]);
  expect(alerts(source({ entities: 0, lastFetch: at(0), lastError: { at: at(0), reason: 'answered 500' } }))).toEqual([{ kind: 'unavailable', federation: 'carsi', source: 'aggregate', reason: 'answered 500' }]);
  // MDQ with nothing cached is normal (it is asked per login); its failures show on the page, not as an alert
  expect(alerts(source({ kind: 'mdq', entities: 0, lastError: { at: at(0), reason: 'refused' } }))).toEqual([]);
});

test('in one line for /readyz', () => {
  expect(alertLine({ kind: 'expiring', federation: 'carsi', source: 'aggregate', validUntil: '2026-12-03T00:00:00.000Z' })).toBe('federation carsi (aggregate): metadata expires at 2026-12-03T00:00:00.000Z, within a day');
  expect(alertLine({ kind: 'expired', federation: 'carsi', source: 'mdq', validUntil: '2026-12-01T00:00:00.000Z' })).toBe('federation carsi (mdq): metadata expired at 2026-12-01T00:00:00.000Z');
  expect(alertLine({ kind: 'unavailable', federation: 'carsi', source: 'aggregate', reason: 'answered 500' })).toBe('federation carsi (aggregate): no verified metadata loaded: answered 500');
});
