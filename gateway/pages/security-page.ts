import type { SecurityRuleConfig } from '../../config/schema';
import { t, type Lang } from '../i18n';
import { dateTime } from './format';
import { postButton, postForm } from './forms';
import { html, type Html } from './html';
import { ruleLabel } from './labels';
import { scrollable } from './layout';
import { link } from './message';
import { table } from './tables';

type RuleSettings = Required<Pick<SecurityRuleConfig, 'criterion' | 'per' | 'across' | 'action' | 'suspend'>>;

/** What a trip did, read from its stored outcome. */
export type TripOutcome = { kind: 'suspended'; resource: string } | { kind: 'sessions-ended'; count: number } | { kind: 'other'; code: string };

/** /admin/security as the handler read it: resource ids already named, times as ISO strings shown in `timeZone`. */
export interface SecurityView {
  timeZone: string;
  /** The session's CSRF token, for every form. */
  token: string;
  /** Sessions a sign-out-everywhere just ended (the redirect back says how many). */
  signedOut?: string;
  /** Demo mode: offer the stolen-account simulation. */
  demo: boolean;
  trips: { id: string; rule: string; at: string; who: string; resource?: string; value: number; over: number; action: RuleSettings['action']; outcome?: TripOutcome }[];
  suspensions: { user: string; institution: string; resource: string; title: string; rule: string; until: string }[];
  blocks: { user: string; institution: string; since: string; reason: string }[];
  /** Exemptions written in the configuration (no expiry, no remove button). */
  configExemptions: { subject: string; reason: string; rules: string[] }[];
  exemptions: { user: string; institution: string; reason: string; until: string }[];
  rules: (RuleSettings & { name: string; over: number; windowMinutes: number; forMinutes: number })[];
}

/** The way back to /admin/security, for the refusals after its forms. */
export const SECURITY_HOME = { href: '/admin/security', say: 'securityTitle' } as const;

function outcomeText(lang: Lang, outcome: TripOutcome): string {
  if (outcome.kind === 'suspended') return t(lang, 'securityOutcomeSuspended', { resource: outcome.resource });
  if (outcome.kind === 'sessions-ended') return t(lang, 'securityOutcomeSessionsEnded', { count: String(outcome.count) });
  return outcome.code;
}

/** /admin/security: sign out everywhere, the demo, tripped rules with evidence, suspensions, blocks, exemptions, the rules. */
export function securityBody(lang: Lang, view: SecurityView): Html {
  const when = (iso: string) => dateTime(lang, view.timeZone, iso);
  const button = (action: string, label: string, fields: Record<string, string>) => postButton(action, view.token, label, fields);
  return html`
      ${view.signedOut ? html`<p class="notice" role="status">${t(lang, 'securitySignedOut', { sessions: view.signedOut })}</p>` : ''}
      <p>${t(lang, 'securityIntro')}</p>
      <h2>${t(lang, 'securitySignOutTitle')}</h2>
      <p>${t(lang, 'securitySignOutHelp')}</p>
      ${postForm('/admin/security/sign-out', view.token, html`
        <label for="sign-out-account">${t(lang, 'securityAccount')}</label> <input id="sign-out-account" name="account" required autocomplete="off">
        <button class="button" type="submit">${t(lang, 'securitySignOutButton')}</button>`)}
      ${view.demo
        ? html`<h2>${t(lang, 'securityDemoTitle')}</h2><p>${t(lang, 'securityDemoHelp')}</p>
          ${button('/admin/security/demo-stolen-account', t(lang, 'securityDemoButton'), {})}`
        : ''}
      <h2>${t(lang, 'securityTrips')}</h2>
      ${view.trips.length === 0
        ? html`<p>${t(lang, 'securityTripsNone')}</p>`
        : scrollable(t(lang, 'securityTrips'), table(
          [t(lang, 'securityWhen'), t(lang, 'securityRule'), t(lang, 'suspensionUser'), t(lang, 'loadResource'), t(lang, 'securityValue'), t(lang, 'securityOutcome'), t(lang, 'securityEvidence')],
          view.trips,
          (trip) => html`<tr data-trip="${trip.id}" data-rule="${trip.rule}"><td>${when(trip.at)}</td><td><code>${trip.rule}</code></td><td><code>${trip.who}</code></td>
              <td>${trip.resource ?? ''}</td><td>${String(trip.value)} &gt; ${String(trip.over)}</td><td>${ruleLabel('action', trip.action, lang)}${trip.outcome ? ` (${outcomeText(lang, trip.outcome)})` : ''}</td>
              <td><a href="/admin/security/trips/${trip.id}/evidence.csv">CSV</a> <a href="/admin/security/trips/${trip.id}/evidence.json">JSON</a></td></tr>`,
        ))}
      <h2>${t(lang, 'securitySuspensions')}</h2>
      ${view.suspensions.length === 0
        ? html`<p>${t(lang, 'suspensionsNone')}</p>`
        : scrollable(t(lang, 'securitySuspensions'), table(
          [t(lang, 'suspensionUser'), t(lang, 'loadResource'), t(lang, 'securityRule'), t(lang, 'suspensionUntil'), ''],
          view.suspensions,
          (s) => html`<tr data-suspension="${s.user}|${s.resource}"><td><code>${s.institution}/${s.user}</code></td><td>${s.title}</td><td><code>${s.rule}</code></td><td>${when(s.until)}</td>
              <td>${button('/admin/security/lift', t(lang, 'suspensionLift'), { user: s.user, resource: s.resource })}</td></tr>`,
        ))}
      <h2>${t(lang, 'securityBlocks')}</h2>
      ${view.blocks.length === 0
        ? html`<p>${t(lang, 'securityBlocksNone')}</p>`
        : scrollable(t(lang, 'securityBlocks'), table([], view.blocks, (b) => html`<tr data-block="${b.user}"><td><code>${b.institution}/${b.user}</code></td><td>${when(b.since)}</td><td>${b.reason}</td><td>${button('/admin/security/unblock', t(lang, 'securityUnblock'), { user: b.user })}</td></tr>`))}
      <h2>${t(lang, 'securityExemptions')}</h2>
      ${view.exemptions.length === 0 && view.configExemptions.length === 0
        ? html`<p>${t(lang, 'securityExemptionsNone')}</p>`
        : scrollable(t(lang, 'securityExemptions'), html`<table><tbody>${view.configExemptions.map((e) => html`<tr><td><code>${e.subject}</code></td><td>${e.reason}</td><td>${e.rules.join(', ')}</td><td>${t(lang, 'securityFromConfig')}</td></tr>`)}${view.exemptions.map(
            (e) => html`<tr data-exemption="${e.user}"><td><code>${e.institution}/${e.user}</code></td><td>${e.reason}</td><td>${when(e.until)}</td><td>${button('/admin/security/unexempt', t(lang, 'securityRemove'), { user: e.user })}</td></tr>`,
          )}</tbody></table>`)}
      <h3>${t(lang, 'securityExemptTitle')}</h3>
      ${postForm('/admin/security/exempt', view.token, html`
        <p><label for="exempt-account">${t(lang, 'securityAccount')}</label> <input id="exempt-account" name="account" required autocomplete="off"></p>
        <p><label for="exempt-reason">${t(lang, 'securityReason')}</label> <input id="exempt-reason" name="reason" required></p>
        <p><label for="exempt-days">${t(lang, 'securityExemptDays')}</label> <input id="exempt-days" name="days" type="number" min="1" max="366" value="30" required></p>
        <button class="button" type="submit">${t(lang, 'securityExemptButton')}</button>`)}
      <h2>${t(lang, 'securityRules')}</h2>
      ${scrollable(t(lang, 'securityRules'), table(
        [t(lang, 'securityRule'), t(lang, 'securityCriterion'), t(lang, 'securityOver'), t(lang, 'securityWindow'), t(lang, 'securityAction')],
        view.rules,
        (r) => html`<tr data-rule="${r.name}"><td><code>${r.name}</code></td><td>${ruleLabel('criterion', r.criterion, lang)} · ${ruleLabel('per', r.per, lang)} · ${ruleLabel('across', r.across, lang)}</td><td>${String(r.over)}</td><td>${String(r.windowMinutes)}</td><td>${ruleLabel('action', r.action, lang)}${r.action === 'suspend' ? ` (${t(lang, 'securitySuspendFor', { scope: ruleLabel('suspend', r.suspend, lang), minutes: String(r.forMinutes) })})` : ''}</td></tr>`,
      ))}
      <p>${link(lang, { href: '/admin/suspensions', say: 'suspensionsTitle' })}</p>`;
}
