import { z } from 'zod';
import { ConfigSchema } from './schema';

/** Every key of the config with its type, whether it is required, its default and its description, from the zod schema. */
type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  required?: string[];
};

export interface ConfigKey {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(' | ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (schema.format === 'uri') return 'URL';
  if (schema.format) return `${schema.type} (${schema.format})`;
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
}

function walk(schema: JsonSchema, key: string, required: boolean, rows: ConfigKey[]): void {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants && variants.every((v) => v.properties?.kind?.const !== undefined)) {
    rows.push({ key, type: 'one of the kinds below', required, default: schema.default, description: schema.description ?? '' });
    for (const variant of variants) walk({ ...variant, description: undefined }, `${key}{kind: ${String(variant.properties?.kind?.const)}}`, required, rows);
    return;
  }
  if (schema.type === 'object' && schema.properties) {
    if (key && schema.description) rows.push({ key, type: 'mapping', required, description: schema.description });
    for (const [name, child] of Object.entries(schema.properties)) {
      walk(child, key ? `${key}.${name}` : name, schema.required?.includes(name) ?? false, rows);
    }
    return;
  }
  if (schema.type === 'array' && schema.items && (schema.items.properties || schema.items.anyOf || schema.items.oneOf)) {
    rows.push({ key, type: 'list', required, default: schema.default, description: schema.description ?? '' });
    walk({ ...schema.items, description: undefined }, `${key}[]`, true, rows);
    return;
  }
  rows.push({ key, type: typeOf(schema), required, default: schema.default, description: schema.description ?? '' });
}

let rows: ConfigKey[] | undefined;

/** The schema's keys in reference order ("resources[].vendor", "logins[]{kind: saml}.entityID"), computed once. */
export function configKeys(): ConfigKey[] {
  if (!rows) {
    rows = [];
    walk(z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '', true, rows);
  }
  return rows;
}

/** The key at a config path (list indexes as []), when the reference names it without a kind. */
export function configKey(path: readonly PropertyKey[]): ConfigKey | undefined {
  const key = path.map((part) => (typeof part === 'number' ? '[]' : `.${String(part)}`)).join('').replace(/^\./, '');
  return configKeys().find((row) => row.key === key);
}
