/**
 * The address an EZproxy-style starting point URL names, read from the raw request target the way
 * EZproxy reads it (OCLC, "Starting point URLs and config.txt"):
 * - `/login?url=<URL>`: everything after `url=` is the URL, word for word, `&` included. Link resolvers
 *   (SFX, Alma, 360 Link, Primo) append OpenURL queries (`?issn=…&volume=…`, `url_ver=Z39.88-2004&rft.…`)
 *   without encoding them, so cutting at the first `&` would lose all but the first key.
 * - `/login?qurl=<URL>`: the URL percent-encoded once; only that one parameter's value (a `+` stays a `+`:
 *   the vendor reads it in its own query as it would have).
 * A `url=` value that is itself encoded as a whole (`url=https%3A%2F%2F…`, as some resolvers send it) is
 * decoded once. Parameters before `url=` (EZproxy's `auth=`, `user=`…) are ignored.
 */
export function loginTarget(requestTarget: string): string | undefined {
  const mark = requestTarget.indexOf('?');
  if (mark === -1) return undefined;
  const query = requestTarget.slice(mark + 1);
  const qurl = parameterStart(query, 'qurl');
  const url = parameterStart(query, 'url');
  // Whichever comes first wins: after url= everything belongs to the URL, so a later "qurl=" is part of it.
  if (qurl !== undefined && (url === undefined || qurl < url)) {
    const end = query.indexOf('&', qurl);
    return decodeOnce(query.slice(qurl, end === -1 ? undefined : end));
  }
  if (url === undefined) return undefined;
  const literal = query.slice(url);
  return /^https?%3a/i.test(literal) ? decodeOnce(literal) : literal;
}

/** Where the value of `name=` starts, when `name` is a whole parameter name (at the start or after `&`). */
function parameterStart(query: string, name: string): number | undefined {
  const key = `${name}=`;
  for (let at = 0; at <= query.length; ) {
    if (query.slice(at, at + key.length).toLowerCase() === key) return at + key.length;
    const next = query.indexOf('&', at);
    if (next === -1) return undefined;
    at = next + 1;
  }
  return undefined;
}

function decodeOnce(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
