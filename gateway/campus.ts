import { rangeMatcher } from '../resource-catalog/address-policy';

/**
 * Campus address ranges (CIDR), as EZproxy's ExcludeIP: such clients need no sign-in. The same
 * parser as the config checker's (address-policy), so a range it accepts is one that matches here.
 */
export const campusMatcher = rangeMatcher;
