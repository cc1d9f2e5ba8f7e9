import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, Document, type YAMLSeq } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../config/loader';
import { describeCollision, findHostCollisions } from './host-claims';
import { Resource, type ResourceInput } from './schema';

/**
 * A catalog file: a YAML document `resources: [...]`, each entry a Resource. The config refers to
 * such files; `vendor add` and `vendor import-ezproxy` write them.
 */

export interface CatalogProblem {
  /** Key path such as `resources[2].hosts[0].host`, `line 3, column 5`, or `(file)`. */
  path: string;
  message: string;
}

export type CatalogReadResult =
  | { ok: true; resources: Resource[]; problems: [] }
  | { ok: false; resources: Resource[]; problems: CatalogProblem[] };

export const CatalogFile = z.strictObject({
  resources: z.array(Resource).default([]).describe('catalog entries'),
});

function readText(file: string): { text: string } | { problem: CatalogProblem } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: { path: '(file)', message: code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${code ?? String(error)}` } };
  }
}

function parse(text: string): { document: Document } | { problems: CatalogProblem[] } {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length === 0) return { document };
  return {
    problems: document.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
    })),
  };
}

/** Validate an already-parsed catalog document (`{ resources: [...] }`); ids must be unique and host claims must not overlap. */
export function validateCatalog(raw: unknown): CatalogReadResult {
  const parsed = CatalogFile.safeParse(raw ?? {});
  if (!parsed.success) {
    return { ok: false, resources: [], problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const resources = parsed.data.resources;
  const problems: CatalogProblem[] = [];
  const seen = new Map<string, number>();
  resources.forEach((resource, index) => {
    const first = seen.get(resource.id);
    if (first !== undefined) problems.push({ path: formatPath(['resources', index, 'id']), message: `id "${resource.id}" is already used by resources[${first}]` });
    else seen.set(resource.id, index);
  });
  for (const c of findHostCollisions(resources)) {
    problems.push({ path: formatPath(['resources', c.resource, 'hosts', c.rule, 'host']), message: describeCollision(c) });
  }
  return problems.length > 0 ? { ok: false, resources, problems } : { ok: true, resources, problems: [] };
}

/** Read and validate a catalog file; never throws for a bad file. */
export function readCatalogFile(file: string): CatalogReadResult {
  const read = readText(file);
  if ('problem' in read) return { ok: false, resources: [], problems: [read.problem] };
  const parsed = parse(read.text);
  if ('problems' in parsed) return { ok: false, resources: [], problems: parsed.problems };
  return validateCatalog(parsed.document.toJS());
}

/** Conflicts a new entry would have with a catalog's entries: the same id, or an overlapping host claim. */
export function entryConflicts(existing: readonly Pick<Resource, 'id' | 'hosts'>[], entry: Pick<ResourceInput, 'id' | 'hosts'>): string[] {
  const problems: string[] = [];
  if (existing.some((r) => r.id === entry.id)) problems.push(`id "${entry.id}" is already in the catalog; choose another with --id`);
  for (const c of findHostCollisions([...existing, entry])) {
    if (c.resource === existing.length) problems.push(describeCollision(c));
  }
  return problems;
}

/** Drop values equal to the schema defaults so written entries stay short. */
function compact(entry: ResourceInput): ResourceInput {
  return {
    ...entry,
    hosts: entry.hosts.map(({ allowPrivate, match, ...rest }) => ({ ...rest, ...(match === 'domain' ? { match } : {}), ...(allowPrivate ? { allowPrivate } : {}) })),
  };
}

/** A new catalog document holding `entries`, with an optional comment at the top. */
export function catalogYaml(entries: ResourceInput[], comment?: string): string {
  const document = new Document({ resources: entries.map(compact) });
  if (comment) document.commentBefore = ` ${comment.split('\n').join('\n ')}`;
  return document.toString({ lineWidth: 0 });
}

export type AppendResult = { ok: true; created: boolean } | { ok: false; problems: string[] };

/**
 * Add one entry to a catalog file, creating it when missing. Comments and layout of an existing
 * file are kept (the yaml Document API edits the parsed tree). Refuses an invalid file, a taken id
 * or an overlapping host claim.
 */
export function appendToCatalogFile(file: string, entry: ResourceInput, comment?: string): AppendResult {
  const checked = Resource.safeParse(entry);
  if (!checked.success) return { ok: false, problems: checked.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  if (!existsSync(file)) {
    writeFileSync(file, catalogYaml([entry], comment));
    return { ok: true, created: true };
  }
  const current = readCatalogFile(file);
  if (!current.ok) return { ok: false, problems: current.problems.map((p) => `${file}: ${p.path}: ${p.message}`) };
  const conflicts = entryConflicts(current.resources, entry);
  if (conflicts.length > 0) return { ok: false, problems: conflicts };

  const parsed = parse(readFileSync(file, 'utf8'));
  if ('problems' in parsed) return { ok: false, problems: parsed.problems.map((p) => `${p.path}: ${p.message}`) };
  const document = parsed.document;
  if (!isMap(document.contents)) document.contents = document.createNode({ resources: [] }) as typeof document.contents;
  let list = document.get('resources', true);
  if (!isSeq(list)) {
    document.set('resources', document.createNode([]));
    list = document.get('resources', true);
  }
  const node = document.createNode(compact(entry));
  if (comment) node.commentBefore = ` ${comment.split('\n').join('\n ')}`;
  (list as YAMLSeq).items.push(node);
  writeFileSync(file, document.toString({ lineWidth: 0 }));
  return { ok: true, created: false };
}
