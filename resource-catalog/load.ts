import path from 'node:path';
import type { Config } from '../config/schema';
import { Catalog } from './catalog';
import { readCatalogFile, type CatalogProblem } from './catalog-file';
import { describeCollision, findHostCollisions } from './host-claims';
import type { Resource } from './schema';

export type CatalogLoad = { ok: true; catalog: Catalog; warnings: CatalogProblem[] } | { ok: false; problems: CatalogProblem[] };

/**
 * The whole catalog: the config's own `resources` plus every `catalog.files` entry, checked
 * together (ids unique, host claims not overlapping, institutions known). Used at start, by
 * `config check`, and on SIGHUP, where a bad result keeps the old catalog.
 */
export function loadCatalog(config: Config, baseDir = process.cwd(), today = new Date().toISOString().slice(0, 10)): CatalogLoad {
  const problems: CatalogProblem[] = [];
  const resources: Resource[] = [...config.resources];
  const origin: string[] = config.resources.map((_, i) => `resources[${i}]`);
  for (const file of config.catalog.files) {
    const full = path.resolve(baseDir, file);
    const read = readCatalogFile(full);
    problems.push(...read.problems.map((p) => ({ path: `${file}: ${p.path}`, message: p.message })));
    read.resources.forEach((resource, i) => {
      resources.push(resource);
      origin.push(`${file}: resources[${i}]`);
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const ids = new Map<string, string>();
  resources.forEach((resource, i) => {
    const first = ids.get(resource.id);
    if (first) problems.push({ path: `${origin[i]}.id`, message: `id "${resource.id}" is already used by ${first}` });
    else ids.set(resource.id, origin[i]!);
  });
  for (const c of findHostCollisions(resources)) problems.push({ path: `${origin[c.resource]}.hosts[${c.rule}].host`, message: describeCollision(c) });

  const institutions = new Set(config.institutions.map((i) => i.id));
  const warnings: CatalogProblem[] = [];
  resources.forEach((resource, i) => {
    resource.licences.forEach((licence, l) => {
      if (!institutions.has(licence.institution)) problems.push({ path: `${origin[i]}.licences[${l}].institution`, message: `unknown institution "${licence.institution}"; add it under institutions` });
      if (licence.until && licence.until < today) warnings.push({ path: `${origin[i]}.licences[${l}].until`, message: `licence for "${licence.institution}" ended on ${licence.until}` });
    });
    resource.access.forEach((method, a) => {
      if (method.kind === 'proxy' && !Catalog.owns(resource, new URL(method.start))) {
        problems.push({ path: `${origin[i]}.access[${a}].start`, message: `${new URL(method.start).host} is not one of this resource's hosts; add it under hosts` });
      }
      if (method.kind === 'idp') {
        if (!config.idp.enabled) problems.push({ path: `${origin[i]}.access[${a}]`, message: 'access kind idp needs idp.enabled: true (Passway as the SAML IdP toward vendors)' });
        if (method.federation && !config.federations.some((f) => f.id === method.federation)) problems.push({ path: `${origin[i]}.access[${a}].federation`, message: `unknown federation "${method.federation}"; add it under federations` });
        const other = resources.findIndex((r, j) => j !== i && r.access.some((m) => m.kind === 'idp' && m.entityID === method.entityID));
        if (other >= 0 && other < i) problems.push({ path: `${origin[i]}.access[${a}].entityID`, message: `SP ${method.entityID} is already the vendor of ${origin[other]}: one SP, one resource` });
      }
      if (method.kind !== 'wayfless') return;
      for (const id of method.institutions ?? []) {
        if (!institutions.has(id)) problems.push({ path: `${origin[i]}.access[${a}].institutions`, message: `unknown institution "${id}"; add it under institutions` });
      }
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog: new Catalog(resources), warnings };
}
