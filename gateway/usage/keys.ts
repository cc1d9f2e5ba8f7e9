/**
 * Store key layout of the usage aggregates. Every key of one day shares the hash tag `{YYYY-MM-DD}`
 * (one Redis Cluster slot), so a batch of a day's increments is one atomic script.
 *
 *   usage:{D}:hwm:<node>          last applied sequence number of <node>'s events for day D
 *   usage:{D}:index               stream listing what exists that day: {t: tuple, m: metric} or {n: node}
 *   usage:{D}:c:<tuple>:<metric>  integer counter
 *   usage:{D}:u:<tuple>           HyperLogLog of pseudonymous users
 *
 *   usage:epoch                   a random id set when the aggregates are first counted: missing or changed
 *                                 means the store lost them (gateways then recount from their log files)
 *
 * <tuple> is resource/institution/affiliation/method/on|off, each part URI-encoded ("" when none).
 * Metrics: logins, launches, requests, bytes, items, uniqueItems, searches, seatFull, suspensions,
 * overloadShed, deny:<reason>, fail:<reason> (login failures).
 */
export interface Tuple {
  resource: string;
  institution: string;
  affiliation: string;
  method: string;
  onCampus: boolean;
}

const tag = (day: string) => `usage:{${day}}`;

export const EPOCH_KEY = 'usage:epoch';
export const hwmKey = (day: string, node: string) => `${tag(day)}:hwm:${node}`;
export const indexKey = (day: string) => `${tag(day)}:index`;
export const counterKey = (day: string, tuple: string, metric: string) => `${tag(day)}:c:${tuple}:${metric}`;
export const usersKey = (day: string, tuple: string) => `${tag(day)}:u:${tuple}`;

export function encodeTuple(t: Tuple): string {
  return [t.resource, t.institution, t.affiliation, t.method, t.onCampus ? 'on' : 'off'].map(encodeURIComponent).join('/');
}

export function decodeTuple(encoded: string): Tuple {
  const [resource = '', institution = '', affiliation = '', method = '', campus = 'off'] = encoded.split('/').map(decodeURIComponent);
  return { resource, institution, affiliation, method, onCampus: campus === 'on' };
}
