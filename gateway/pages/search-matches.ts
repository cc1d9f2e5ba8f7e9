/**
 * Does a search match an institution? By any part of its Chinese or English name or id, or by
 * domain: `pku`, `北京大学`, `pku.edu.cn`, `someone@pku.edu.cn` and `mail.pku.edu.cn` all match.
 * The one rule for server and browser: this file is compiled for both (tsconfig.client.json), so it imports nothing.
 */
export function searchMatches(haystack: string, domains: string[], query: string): boolean {
  let q = query.normalize('NFKC').trim().toLowerCase();
  if (q === '') return true;
  const at = q.lastIndexOf('@');
  if (at >= 0 && at < q.length - 1) q = q.slice(at + 1);
  return haystack.includes(q) || domains.some((d) => q === d || q.endsWith('.' + d));
}
