import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The one rule for which network addresses Passway may reach on a vendor's behalf (the proxy's
 * connector and `passway vendor check` both ask `addressRange`), and the one parser of the
 * address ranges in the config (onCampus.ranges, server.trustProxy, load.metricsAllow).
 *
 * Only ipaddr.js's `unicast` (an ordinary public address) may be reached; every other range
 * name (loopback, private, linkLocal, uniqueLocal, carrierGradeNat, multicast, broadcast,
 * reserved incl. 192.0.0.0/24, 198.18.0.0/15 and documentation, unspecified, benchmarking, ...)
 * is refused unless the catalogue's host rule allows private addresses. ipaddr.js keeps the
 * IANA special-purpose registries (RFC 6890) in one table instead of a list we maintain.
 */

/** IPv6 ranges that carry an IPv4 address in their last 32 bits, judged by that address. */
const TRANSLATED = new Set(['ipv4Mapped', 'rfc6145']);
/** NAT64 well-known prefix (RFC 6052 2.1): what DNS64 on an IPv6-only host hands out for public vendors. */
const NAT64 = ipaddr.IPv6.parse('64:ff9b::');

function lastIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  return new ipaddr.IPv4(address.toByteArray().slice(12));
}

/**
 * The ipaddr.js range name of `address` ('unicast' for a public address), an IPv6 form of an
 * IPv4 address judged as that IPv4 address. IPv4-compatible addresses (::a.b.c.d, deprecated by
 * RFC 4291 2.5.5.1; ::7f00:1 reaches 127.0.0.1 on some stacks), 6to4 and Teredo are refused
 * outright: no vendor needs them. Not an IP address at all: 'invalid'.
 */
export function addressRange(address: string): string {
  if (isIP(address) === 0) return 'invalid';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range();
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  if (TRANSLATED.has(range) || (range === 'rfc6052' && v6.match(NAT64, 96))) {
    const inner = lastIPv4(v6).range();
    return inner === 'unicast' ? 'unicast' : `${inner} (${range})`;
  }
  if (range === 'unicast' && v6.parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return range;
}

/** May be reached without a host rule that allows private addresses. */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** "10.0.0.0/8", "2001:db8::/32" or a single address; a message saying what is wrong otherwise. */
export function parseAddressRange(text: string): AddressRange | string {
  const [address = '', bits, extra] = text.trim().split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  if (extra !== undefined || family === 0) return `"${text}" is not an IP address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32)`;
  if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max)) return `"${text}": the prefix length after "/" must be 0-${max}`;
  return [ipaddr.parse(address), bits === undefined ? max : Number(bits)];
}

/** Problems of a list of ranges, by index, for the config checker. */
export function rangeProblems(ranges: readonly string[]): { index: number; message: string }[] {
  return ranges.flatMap((range, index) => {
    const parsed = parseAddressRange(range);
    return typeof parsed === 'string' ? [{ index, message: parsed }] : [];
  });
}

/** Whether a client address is in one of `ranges` (validated by the config checker; bad ones throw). */
export function rangeMatcher(ranges: readonly string[]): (address: string | undefined) => boolean {
  const list = ranges.map((range) => {
    const parsed = parseAddressRange(range);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  });
  if (list.length === 0) return () => false;
  return (address) => {
    if (!address || !ipaddr.isValid(address)) return false;
    const client = ipaddr.process(address); // ::ffff:a.b.c.d as a.b.c.d
    return list.some(([net, bits]) => net.kind() === client.kind() && client.match(net, bits));
  };
}
