import { networkOf as networkWithin } from '../client-address';

/** The client network a rule counts: the /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped IPv6 counts as IPv4). */
export function networkOf(address: string): string | undefined {
  return networkWithin(address, 24, 48);
}
