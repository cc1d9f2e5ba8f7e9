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
 *
 * Identified items and their titles (COUNTER Item and Title Reports), index entries {i: item} and {T: title}:
 *   usage:{D}:ic:<item>           integer counter of the item's requests (Total_Item_Requests)
 *   usage:{D}:iu:<item>           HyperLogLog of the sessions that requested it (Unique_Item_Requests)
 *   usage:{D}:tu:<title>          HyperLogLog of the sessions that requested an item of it (Unique_Title_Requests)
 * <item> is resource/institution/ItemRef JSON, <title> resource/institution/TitleRef JSON, each part URI-encoded.
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

export const itemCounterKey = (day: string, item: string) => `${tag(day)}:ic:${item}`;
export const itemSessionsKey = (day: string, item: string) => `${tag(day)}:iu:${item}`;
export const titleSessionsKey = (day: string, title: string) => `${tag(day)}:tu:${title}`;

/** Where an item's or a title's usage counts: a database, the user's institution, and the identifiers (ItemRef or TitleRef). */
export interface Identified<R> {
  resource: string;
  institution: string;
  ref: R;
}

export const encodeIdentified = <R>(d: Identified<R>): string => [d.resource, d.institution, JSON.stringify(d.ref)].map(encodeURIComponent).join('/');

export function decodeIdentified<R>(encoded: string): Identified<R> {
  const [resource = '', institution = '', ref = '{}'] = encoded.split('/').map(decodeURIComponent);
  return { resource, institution, ref: JSON.parse(ref) as R };
}

export function encodeTuple(t: Tuple): string {
  return [t.resource, t.institution, t.affiliation, t.method, t.onCampus ? 'on' : 'off'].map(encodeURIComponent).join('/');
}

export function decodeTuple(encoded: string): Tuple {
  const [resource = '', institution = '', affiliation = '', method = '', campus = 'off'] = encoded.split('/').map(decodeURIComponent);
  return { resource, institution, affiliation, method, onCampus: campus === 'on' };
}
