import net from 'node:net';

/** Campus address ranges (CIDR), as EZproxy's ExcludeIP: such clients need no sign-in. */
export function campusMatcher(ranges: string[]): (address: string | undefined) => boolean {
  if (ranges.length === 0) return () => false;
  const list = new net.BlockList();
  for (const range of ranges) {
    const [address = '', bits] = range.split('/');
    const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    if (!address) return false;
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}
