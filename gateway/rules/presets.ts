import type { SecurityRuleConfig } from '../../config/schema';

/** A rule as written in a preset: zod's defaults are filled in by rulesFrom(). */
export type PresetRule = Omit<SecurityRuleConfig, 'per' | 'across' | 'windowMinutes' | 'action' | 'suspend' | 'forMinutes'> & Partial<SecurityRuleConfig>;

const MB = 1024 * 1024;

/**
 * security.preset conservative (the default): stolen-account patterns are logged and alerted,
 * nobody is suspended by a default; the library decides where to suspend. Thresholds sit well above
 * one reader's day (a reader moves between home, campus and a phone: three or four networks an hour).
 * No requests rule by default: it costs one Store round trip per proxied request (bytes cost one per
 * response, a network seen again within a bucket none).
 */
export const CONSERVATIVE: PresetRule[] = [
  { name: 'many-networks', criterion: 'networks', over: 5, windowMinutes: 60, action: 'alert' },
  { name: 'many-countries', criterion: 'countries', over: 2, windowMinutes: 60, action: 'alert' },
  { name: 'many-asns', criterion: 'asns', over: 4, windowMinutes: 60, action: 'log' },
  { name: 'parallel-sessions', criterion: 'sessions', over: 5, action: 'log' },
  { name: 'login-failure-wave', criterion: 'login-failures', per: 'everyone', over: 200, windowMinutes: 10, action: 'alert' },
  { name: 'bulk-items', criterion: 'item-requests', across: 'resource', over: 300, windowMinutes: 60, action: 'alert' },
  { name: 'bulk-bytes', criterion: 'bytes', over: 2048 * MB, windowMinutes: 60, action: 'alert' },
];

/**
 * Vendor presets (resources[].security.rulePreset), applied to that resource only: each stops one
 * reader before the vendor's own limit would cut off the whole campus address range.
 */
export const VENDOR_PRESETS: Record<string, { rules: PresetRule[]; source: string }> = {
  /**
   * CNKI's published abnormal-download rules (CNKI非正常论文下载说明): a single login that downloads
   * too many or too fast is abnormal; 5 abnormal logins (or 2 that reached the cap) from one IP ban the
   * IP for the day; 2 bans in a week blacklist it for a week, 3 in a month for good. Behind Passway
   * every reader shares the gateway's IP, so one reader's second burst already costs the campus a day:
   * a burst suspends that reader from CNKI for the day, before the vendor counts a second one.
   */
  cnki: {
    source: 'CNKI非正常论文下载说明 (CNKI\'s abnormal-download rules), copy at https://max.book118.com/html/2019/0325/8051060044002014.shtm',
    rules: [
      { name: 'burst', criterion: 'item-requests', per: 'session', across: 'resource', over: 20, windowMinutes: 5, action: 'suspend', suspend: 'resource', forMinutes: 1440 },
      { name: 'daily-cap', criterion: 'item-requests', across: 'resource', over: 200, windowMinutes: 1440, action: 'suspend', suspend: 'resource', forMinutes: 1440 },
      { name: 'networks', criterion: 'networks', across: 'resource', over: 3, windowMinutes: 60, action: 'require-reauth' },
    ],
  },
  /**
   * The shape STM publishers use (ScienceDirect, Springer Nature, Wiley, ACS, APS have blocked whole
   * institutions over bulk downloads): more than 5 networks, more than 500 MB or more than 2 countries
   * within 60 minutes.
   */
  stm: {
    source: 'the usual publisher shape, as in issue 18 and EZproxy 7.1 security rule examples (https://help.oclc.org/Library_Management/EZproxy/EZproxy_configuration/Security_rules)',
    rules: [
      { name: 'networks', criterion: 'networks', across: 'resource', over: 5, windowMinutes: 60, action: 'alert' },
      { name: 'bytes', criterion: 'bytes', across: 'resource', over: 500 * MB, windowMinutes: 60, action: 'suspend', suspend: 'resource', forMinutes: 60 },
      { name: 'countries', criterion: 'countries', across: 'resource', over: 2, windowMinutes: 60, action: 'alert' },
    ],
  },
};
