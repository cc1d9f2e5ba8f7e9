import type { Config, Institution, Login, SamlLoginConfig } from '../../config/schema';
import { pick, type Lang } from '../i18n';

/** One institution on the discovery page with the sign-in methods configured for it. */
export interface InstitutionChoice {
  institution: Institution;
  logins: Login[];
  /** Lower-cased names, ids and domains: what a search matches against (server and browser). */
  haystack: string;
  domains: string[];
}

/** Institutions that have at least one of `logins`, sorted by their name in `lang`. */
export function institutionChoices(config: Config, logins: Login[], lang: Lang): InstitutionChoice[] {
  return config.institutions
    .map((institution) => {
      const own = logins.filter((l) => l.institution === institution.id);
      const domains = institution.domains.map((d) => d.toLowerCase());
      const haystack = [institution.name.en, institution.name.zh ?? '', institution.id, ...domains].join(' ').normalize('NFKC').toLowerCase();
      return { institution, logins: own, haystack, domains };
    })
    .filter((choice) => choice.logins.length > 0)
    .sort((a, b) => pick(a.institution.name, lang).localeCompare(pick(b.institution.name, lang), lang === 'zh' ? 'zh-CN' : 'en'));
}

/**
 * Does a search match an institution? By any part of its Chinese or English name or id, or by
 * domain: `pku`, `北京大学`, `pku.edu.cn`, `someone@pku.edu.cn` and `mail.pku.edu.cn` all match.
 * Self-contained on purpose: the browser script is built from this very function's source.
 */
export function searchMatches(haystack: string, domains: string[], query: string): boolean {
  let q = query.normalize('NFKC').trim().toLowerCase();
  if (q === '') return true;
  const at = q.lastIndexOf('@');
  if (at >= 0 && at < q.length - 1) q = q.slice(at + 1);
  return haystack.includes(q) || domains.some((d) => q === d || q.endsWith('.' + d));
}

/** The SAML login whose IdP has this entityID. */
export function samlLoginByEntityID(config: Config, entityID: string | undefined): SamlLoginConfig | undefined {
  if (!entityID) return undefined;
  return config.logins.find((l): l is SamlLoginConfig => l.kind === 'saml' && l.entityID === entityID);
}
