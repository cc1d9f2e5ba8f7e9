/**
 * The CAS 2.0 / 3.0 serviceValidate response (XML), parsed with xmldom; namespace-aware, no
 * entity expansion. Attributes come in the CAS 3 form (`<cas:attributes><cas:mail>…`) or the
 * older name/value form (`<cas:attribute name="mail" value="…"/>`).
 */
import { DOMParser } from '@xmldom/xmldom';
import type { RawAttributes } from '../mapping';

export const CAS_NS = 'http://www.yale.edu/tp/cas';

export type CasValidation =
  | { ok: true; user: string; attributes: RawAttributes; authenticationDate?: string }
  | { ok: false; code: string; message: string };

export class CasResponseError extends Error {}

type XmlElement = ReturnType<DOMParser['parseFromString']>['documentElement'];

function elements(parent: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === node.ELEMENT_NODE) out.push(node as XmlElement);
  return out;
}

const casChild = (parent: XmlElement, localName: string): XmlElement | undefined =>
  elements(parent).find((e) => e.namespaceURI === CAS_NS && e.localName === localName);

const text = (element: XmlElement): string => (element.textContent ?? '').trim();

function parseDocument(xml: string): XmlElement {
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: () => undefined, error: (m) => problems.push(m), fatalError: (m) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !doc?.documentElement) throw new CasResponseError(`not well-formed XML: ${problems[0] ?? 'empty document'}`);
  return doc.documentElement;
}

function readAttributes(container: XmlElement | undefined): RawAttributes {
  const attrs: RawAttributes = {};
  const add = (name: string, value: string) => {
    if (!name) return;
    (attrs[name] ??= []).push(value);
  };
  for (const element of container ? elements(container) : []) {
    if (element.localName === 'attribute' && element.hasAttribute('name')) add(element.getAttribute('name') ?? '', element.getAttribute('value') ?? text(element));
    else add(element.localName ?? '', text(element));
  }
  return attrs;
}

/** Throws CasResponseError when the document is not a CAS serviceResponse. */
export function parseServiceResponse(xml: string): CasValidation {
  const root = parseDocument(xml);
  if (root.namespaceURI !== CAS_NS || root.localName !== 'serviceResponse') throw new CasResponseError('not a cas:serviceResponse');
  const failure = casChild(root, 'authenticationFailure');
  if (failure) return { ok: false, code: failure.getAttribute('code') || 'UNKNOWN', message: text(failure) };
  const success = casChild(root, 'authenticationSuccess');
  if (!success) throw new CasResponseError('neither authenticationSuccess nor authenticationFailure');
  const userElement = casChild(success, 'user');
  const user = userElement ? text(userElement) : '';
  if (!user) throw new CasResponseError('authenticationSuccess without cas:user');
  const attributes = readAttributes(casChild(success, 'attributes'));
  const authenticationDate = attributes.authenticationDate?.[0];
  return { ok: true, user, attributes, ...(authenticationDate ? { authenticationDate } : {}) };
}

const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** The service ticket named by a CAS single sign-out `logoutRequest` (samlp:LogoutRequest/samlp:SessionIndex). */
export function parseLogoutRequest(xml: string): string {
  const root = parseDocument(xml);
  if (root.namespaceURI !== SAMLP_NS || root.localName !== 'LogoutRequest') throw new CasResponseError('not a samlp:LogoutRequest');
  const index = elements(root).find((e) => e.namespaceURI === SAMLP_NS && e.localName === 'SessionIndex');
  const ticket = index ? text(index) : '';
  if (!ticket) throw new CasResponseError('LogoutRequest without SessionIndex');
  return ticket;
}
