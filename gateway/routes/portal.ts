import { Router, type Request } from 'express';
import { pinyin } from 'pinyin-pro';
import QRCode from 'qrcode';
import { Catalog, parseHttpUrl } from '../../resource-catalog/catalog';
import type { Access } from '../access';
import type { Resource } from '../../resource-catalog/schema';
import { pick, t, type Lang } from '../i18n';
import { subjectLabel } from '../pages/labels';
import { linkBody, portalBody, type LinkView } from '../pages/portal-page';
import { render, type RouteContext } from './context';

/** The title a reader sees, and its A–Z letter: a Chinese title files under the pinyin of its first character (中国知网 under Z). */
function initial(resource: Resource, lang: Lang): string {
  const first = pick(resource.title, lang).trimStart()[0] ?? '';
  if (/[a-z]/i.test(first)) return first.toUpperCase();
  if (/\p{Script=Han}/u.test(first)) return pinyin(first, { pattern: 'first', toneType: 'none' }).toUpperCase();
  return '#';
}

const collators = { en: new Intl.Collator('en'), zh: new Intl.Collator('zh-CN') }; // zh-CN collation orders Han by pinyin

function matches(resource: Resource, lang: Lang, q: string, subject: string, letter: string): boolean {
  const needle = q.trim().toLowerCase();
  const text = [resource.id, resource.title.en, resource.title.zh ?? '', resource.vendor, ...resource.subjects].join(' ').toLowerCase();
  return (!needle || text.includes(needle)) && (!subject || resource.subjects.includes(subject)) && (!letter || initial(resource, lang) === letter);
}

/** The permanent link of a resource (optionally to one page of it): what QR codes and reading lists carry. */
export function permalink(ctx: RouteContext, resource: Resource, target?: string): string {
  const url = new URL(`/go/${resource.id}`, ctx.settings.publicUrl);
  if (target) url.searchParams.set('target', target);
  return url.href;
}

const param = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : '');

/**
 * The portal: A–Z list with search and subject filter (server-side, so it works without JS), how
 * each database is reached, what the signed-in user may use and why not, a QR code per permalink,
 * and a link generator for librarians.
 */
export function portalRoutes(ctx: RouteContext, access: Access): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const lang = req.lang;
    const [q, subject, letter] = [param(req, 'q'), param(req, 'subject'), param(req, 'letter')];
    const all = [...ctx.catalog().resources].sort((a, b) => collators[lang].compare(pick(a.title, lang), pick(b.title, lang)));
    const shown = all.filter((r) => matches(r, lang, q, subject, letter));
    const subjects = [...new Set(all.flatMap((r) => r.subjects))].map((tag) => ({ tag, label: subjectLabel(tag, lang, ctx.config.catalog.subjects) })).sort((a, b) => collators[lang].compare(a.label, b.label));
    const letters = [...new Set(all.map((r) => initial(r, lang)))].sort();
    const session = req.session?.data.user ? req.session : undefined;
    // What the user may use, by the same rule as a launch; listing never takes a seat.
    const now = new Date();
    const decisions = session ? await Promise.all(shown.map((r) => access.authorize(session, r, now, 'preview'))) : [];
    render(ctx, req, res, 200, t(lang, 'databases'), portalBody({
      lang,
      signInHref: session ? undefined : `/ds?returnTo=${encodeURIComponent(req.originalUrl)}`,
      demo: ctx.demo,
      search: { q, subject, letter },
      subjects,
      letters,
      total: all.length,
      entries: shown.map((r, i) => {
        const decision = decisions[i];
        return {
          id: r.id,
          title: pick(r.title, lang),
          vendor: r.vendor,
          description: r.description ? pick(r.description, lang) : undefined,
          how: r.access[0]?.kind ?? 'direct',
          availability: !decision ? undefined : decision.allow ? { allow: true } : { allow: false, reason: decision.reason, date: decision.availableFrom ?? decision.endedOn },
          permalink: permalink(ctx, r),
        };
      }),
    }), { wechatHint: true });
  });

  router.get('/go/:resource/qr.svg', async (req, res) => {
    const resource = ctx.catalog().byId(String(req.params.resource));
    if (!resource) {
      res.status(404).end();
      return;
    }
    const target = parseHttpUrl(param(req, 'target'));
    const svg = await QRCode.toString(permalink(ctx, resource, target && Catalog.owns(resource, target) ? target.href : undefined), { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=3600').send(svg);
  });

  router.get('/link', (req, res) => {
    const lang = req.lang;
    const raw = param(req, 'url');
    const target = raw ? parseHttpUrl(raw) : undefined;
    const resource = target ? ctx.catalog().byUrl(target) : undefined;
    const outcome: LinkView['outcome'] = !raw ? undefined
      : !target ? { kind: 'invalid' }
      : !resource ? { kind: 'not-catalogued', host: target.host }
      : { kind: 'made', resourceId: resource.id, title: pick(resource.title, lang), link: permalink(ctx, resource, target.href), target: target.href };
    render(ctx, req, res, 200, t(lang, 'linkTitle'), linkBody({ lang, raw, outcome }));
  });

  return router;
}
