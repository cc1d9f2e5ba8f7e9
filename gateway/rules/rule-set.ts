import { SecurityRule, type Config, type SecurityRuleConfig } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { CONSERVATIVE, VENDOR_PRESETS, type PresetRule } from './presets';

export type Criterion = SecurityRuleConfig['criterion'];

/** A rule ready to evaluate: defaults filled in, times in ms, and which resources it counts. */
export interface Rule extends SecurityRuleConfig {
  windowMs: number;
  forMs: number;
  /** Where it came from: the conservative preset, security.rules, or a vendor preset ("preset:cnki"). */
  origin: string;
  applies: (resource: string | undefined) => boolean;
}

export interface RuleSet {
  rules: Rule[];
  /** Rules by criterion, so an event only looks at the rules that count it. */
  byCriterion: Map<Criterion, Rule[]>;
  /** Does any rule suspend for this resource? (authorize() then reads the suspension, otherwise no Store call). */
  maySuspend: (resource: string) => boolean;
}

function compile(written: PresetRule, origin: string, resourceOnly?: string): Rule {
  const rule = SecurityRule.parse(resourceOnly ? { ...written, resources: [resourceOnly] } : written);
  const only = rule.resources ? new Set(rule.resources) : undefined;
  return {
    ...rule,
    origin,
    windowMs: rule.windowMinutes * 60_000,
    forMs: rule.forMinutes * 60_000,
    applies: (resource) => !only || (resource !== undefined && only.has(resource)),
  };
}

/**
 * The rules in force: the preset (unless "none"), security.rules (a rule of a preset's name replaces
 * it), and each catalogued resource's vendor preset, named "<resource>-<rule>" and counting that resource only.
 */
export function ruleSet(config: Config, catalog: Catalog): RuleSet {
  const byName = new Map<string, Rule>();
  if (config.security.preset === 'conservative') for (const rule of CONSERVATIVE) byName.set(rule.name, compile(rule, 'preset:conservative'));
  for (const resource of catalog.resources) {
    const preset = resource.security?.rulePreset;
    if (!preset) continue;
    const vendor = VENDOR_PRESETS[preset];
    if (!vendor) throw new Error(`resource ${resource.id}: unknown security.rulePreset "${preset}"; presets: ${Object.keys(VENDOR_PRESETS).join(', ')}`);
    for (const rule of vendor.rules) {
      const name = `${resource.id}-${rule.name}`;
      byName.set(name, compile({ ...rule, name }, `preset:${preset}`, resource.id));
    }
  }
  for (const rule of config.security.rules) byName.set(rule.name, compile(rule, 'config'));
  const rules = [...byName.values()];
  const byCriterion = new Map<Criterion, Rule[]>();
  for (const rule of rules) byCriterion.set(rule.criterion, [...(byCriterion.get(rule.criterion) ?? []), rule]);
  const suspending = rules.filter((rule) => rule.action === 'suspend');
  const cache = new Map<string, boolean>();
  return {
    rules,
    byCriterion,
    maySuspend: (resource) => {
      let found = cache.get(resource);
      if (found === undefined) cache.set(resource, (found = suspending.some((rule) => rule.applies(resource))));
      return found;
    },
  };
}

/** The vendor rule presets by name (for config check and the README). */
export function vendorPresetNames(): string[] {
  return Object.keys(VENDOR_PRESETS);
}
