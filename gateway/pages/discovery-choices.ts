import type { Config, Institution, Login, SamlLoginConfig } from '../../config/schema';
import { pick, type Lang } from '../i18n';
export { searchMatches } from './search-matches';

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

/** The SAML login whose IdP has this entityID. */
export function samlLoginByEntityID(config: Config, entityID: string | undefined): SamlLoginConfig | undefined {
  if (!entityID) return undefined;
  return config.logins.find((l): l is SamlLoginConfig => l.kind === 'saml' && l.entityID === entityID);
}
