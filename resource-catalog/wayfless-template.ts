import type { Resource, WayflessMethod } from './schema';

/**
 * Fill a WAYFless template's placeholders ({entityID} {entityIDEncoded} {target} {targetEncoded}).
 * Used by `vendor check` and meant for the launch route, so both render links the same way.
 */
export function renderWayfless(template: string, values: { entityID: string; target: string }): string {
  const table: Record<string, string> = {
    entityID: values.entityID,
    entityIDEncoded: encodeURIComponent(values.entityID),
    target: values.target,
    targetEncoded: encodeURIComponent(values.target),
  };
  return template.replace(/\{(entityID|entityIDEncoded|target|targetEncoded)\}/g, (_, name: string) => table[name] ?? '');
}

/**
 * Where a WAYFless launch lands when the link names no target: the method's defaultTarget, else the
 * resource's proxy start page or direct URL, else the first claimed host's home page (with the
 * template's scheme).
 */
export function defaultTarget(resource: Pick<Resource, 'hosts' | 'access'>, method: Pick<WayflessMethod, 'defaultTarget' | 'template'>): string {
  if (method.defaultTarget) return method.defaultTarget;
  for (const other of resource.access) {
    if (other.kind === 'proxy') return other.start;
    if (other.kind === 'direct') return other.url;
  }
  const scheme = method.template.startsWith('http:') ? 'http' : 'https';
  const first = resource.hosts[0];
  return first ? `${scheme}://${first.host}/` : '';
}
