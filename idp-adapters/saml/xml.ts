/**
 * XML reading for the SAML hub, on the same parser (xmldom) and XPath helpers node-saml uses
 * internally, so what we check is parsed exactly as what node-saml verified.
 */
import { parseDomFromString } from '@node-saml/node-saml/lib/xml';

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  shibmd: 'urn:mace:shibboleth:metadata:1.0',
  mdui: 'urn:oasis:names:tc:SAML:metadata:ui',
} as const;

export const parseXml = (xml: string): Promise<Document> => parseDomFromString(xml);

/** Child elements of `node` with this namespace and local name (direct children only). */
export function children(node: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1 && (child as Element).namespaceURI === ns && (child as Element).localName === localName) out.push(child as Element);
  }
  return out;
}

export const child = (node: Node, ns: string, localName: string): Element | undefined => children(node, ns, localName)[0];

/** Elements at a path of (namespace, local name) steps below `node`. */
export function path(node: Node, steps: [string, string][]): Element[] {
  let current: Node[] = [node];
  for (const [ns, name] of steps) current = current.flatMap((n) => children(n, ns, name));
  return current as Element[];
}

export function text(node: Node | undefined): string | undefined {
  const value = node?.textContent?.trim();
  return value ? value : undefined;
}

export function attr(node: Element | undefined, name: string): string | undefined {
  return node?.hasAttribute(name) ? (node.getAttribute(name) ?? undefined) : undefined;
}

/** True when the document holds any XML comment: an IdP never sends one, a comment-injection attack does. */
export function hasComments(node: Node): boolean {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 8 || hasComments(c)) return true;
  return false;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Base64 body of a PEM certificate, as metadata carries it. */
export const certBody = (pem: string): string => pem.replace(/-----[^-]+-----|\s/g, '');

/** PEM armour around a metadata certificate (whitespace removed). */
export function certPem(base64: string): string {
  const body = base64.replace(/\s/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}
