import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { formatPath } from '../config/loader';
import { PACKAGE_ROOT } from '../config/paths';
import { checkResourceFields, Licence, Resource, ResourceFields, type ResourceInput } from './schema';

/** Ready catalog entries for common vendors, one YAML file per preset (see presets/README.md). */
export const PRESETS_DIR = path.join(PACKAGE_ROOT, 'resource-catalog', 'presets');

/** A preset is a Resource without licences: those belong to an institution. */
export const Preset = ResourceFields.omit({ licences: true }).superRefine(checkResourceFields);
export type Preset = ReturnType<typeof Preset.parse>;

export class PresetError extends Error {}

export function listPresets(dir = PRESETS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The preset as written (defaults not filled in), validated; throws PresetError naming every problem. */
export function loadPresetInput(name: string, dir = PRESETS_DIR): ResourceInput {
  if (!listPresets(dir).includes(name)) {
    throw new PresetError(`unknown preset "${name}"; presets: ${listPresets(dir).join(', ')}`);
  }
  const raw: unknown = parse(readFileSync(path.join(dir, `${name}.yaml`), 'utf8'));
  const checked = Preset.safeParse(raw);
  if (!checked.success) {
    throw new PresetError(`preset "${name}": ${checked.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
  }
  return raw as ResourceInput;
}

export function loadPreset(name: string, dir = PRESETS_DIR): Preset {
  return Preset.parse(loadPresetInput(name, dir));
}

export interface PresetOverrides {
  id?: string;
  affiliations?: Licence['affiliations'];
}

const DEFAULT_AFFILIATIONS: NonNullable<Licence['affiliations']> = ['faculty', 'student', 'staff'];

/** A catalog entry from a preset, licensed to one institution (faculty, student and staff unless told otherwise). */
export function presetEntry(name: string, institution: string, overrides: PresetOverrides = {}, dir = PRESETS_DIR): ResourceInput {
  const preset = loadPresetInput(name, dir);
  const entry: ResourceInput = {
    ...preset,
    id: overrides.id ?? preset.id,
    licences: [{ institution, affiliations: overrides.affiliations ?? DEFAULT_AFFILIATIONS }],
  };
  const checked = Resource.safeParse(entry);
  if (!checked.success) {
    throw new PresetError(checked.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  }
  return entry;
}
