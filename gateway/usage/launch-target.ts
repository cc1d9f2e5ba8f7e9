import { parseHttpUrl, type Catalog } from '../../resource-catalog/catalog';

/**
 * The resource a sign-in was started for, from where it continues afterwards: a launch link
 * `/go/<resource>`, a vendor's request held by the IdP frontend (`/idp/resume/<id>?for=<resource>`)
 * or the EZproxy-style `/login?url=` (`qurl=`). Undefined for anything else, or
 * a resource the catalog does not hold: login events then count for no resource.
 */
export function launchedResource(returnTo: string, catalog: Catalog): string | undefined {
  let url: URL;
  try {
    url = new URL(returnTo, 'http://gateway.invalid');
  } catch {
    return undefined;
  }
  const go = /^\/go\/([^/]+)$/.exec(url.pathname);
  if (go) {
    try {
      return catalog.byId(decodeURIComponent(go[1]!))?.id;
    } catch {
      return undefined;
    }
  }
  if (url.pathname.startsWith('/idp/resume/')) return catalog.byId(url.searchParams.get('for') ?? '')?.id;
  if (url.pathname !== '/login') return undefined;
  const target = parseHttpUrl(url.searchParams.get('qurl') ?? url.searchParams.get('url'));
  return target ? catalog.byUrl(target)?.id : undefined;
}
