/**
 * The checks a federation SP must make that node-saml leaves to the application (or that we
 * repeat so each failure has its own reason code). They run on the assertion node-saml has
 * verified and on the (possibly unsigned) Response around it.
 */
import { LoginError } from '../types';
import type { SamlAttribute } from '../attributes';
import { attr, child, children, NS, path, text } from './xml';

export interface Expectations {
  acsUrl: string;
  spEntityID: string;
  idpEntityID: string;
  /** The pending AuthnRequest's id; undefined for an accepted unsolicited response. */
  requestId: string | undefined;
  nowMs: number;
  skewMs: number;
}

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new LoginError('malformed', `${name} is not a date-time`, { value });
  return ms;
}

/** Response-level checks: Destination and the Response's own Issuer (when present). */
export function checkResponse(response: Element, expect: Expectations): void {
  const destination = attr(response, 'Destination');
  // SAML core requires Destination on signed messages; when present it must be us.
  if (destination !== undefined && destination !== expect.acsUrl) {
    throw new LoginError('destination-mismatch', 'Response Destination is not our ACS', { destination, expected: expect.acsUrl });
  }
  const issuer = text(child(response, NS.saml, 'Issuer'));
  if (issuer !== undefined && issuer !== expect.idpEntityID) {
    throw new LoginError('issuer-mismatch', 'Response Issuer is not the IdP the request was sent to', { issuer, expected: expect.idpEntityID });
  }
}

/** Assertion-level checks; returns the assertion id and when it stops being acceptable (for the replay cache). */
export function checkAssertion(assertion: Element, expect: Expectations): { assertionId: string; acceptableUntilMs: number } {
  const issuer = text(child(assertion, NS.saml, 'Issuer'));
  if (issuer !== expect.idpEntityID) {
    throw new LoginError('issuer-mismatch', 'Assertion Issuer is not the IdP the request was sent to', { issuer, expected: expect.idpEntityID });
  }
  const assertionId = attr(assertion, 'ID');
  if (!assertionId) throw new LoginError('malformed', 'Assertion has no ID');

  const audiences = path(assertion, [[NS.saml, 'Conditions'], [NS.saml, 'AudienceRestriction'], [NS.saml, 'Audience']]).map((a) => text(a));
  if (!audiences.includes(expect.spEntityID)) {
    throw new LoginError('audience-mismatch', 'Assertion is not addressed to this SP', { audiences, expected: expect.spEntityID });
  }

  const conditions = child(assertion, NS.saml, 'Conditions');
  const notBefore = time(attr(conditions, 'NotBefore'), 'Conditions NotBefore');
  const conditionsUntil = time(attr(conditions, 'NotOnOrAfter'), 'Conditions NotOnOrAfter');
  if (notBefore !== undefined && expect.nowMs + expect.skewMs < notBefore) throw new LoginError('not-yet-valid', 'Assertion is not valid yet', { notBefore: attr(conditions, 'NotBefore') });
  if (conditionsUntil !== undefined && expect.nowMs - expect.skewMs >= conditionsUntil) throw new LoginError('expired', 'Assertion has expired', { notOnOrAfter: attr(conditions, 'NotOnOrAfter') });

  const confirmationUntil = checkBearer(assertion, expect);
  const until = Math.min(confirmationUntil, conditionsUntil ?? confirmationUntil);
  return { assertionId, acceptableUntilMs: until + expect.skewMs };
}

/**
 * A bearer SubjectConfirmation addressed to our ACS, answering our request, not expired
 * (SAML profiles 4.1.4.2). Returns its NotOnOrAfter. The most telling failure is reported.
 */
function checkBearer(assertion: Element, expect: Expectations): number {
  const confirmations = path(assertion, [[NS.saml, 'Subject'], [NS.saml, 'SubjectConfirmation']]).filter((c) => attr(c, 'Method') === BEARER);
  if (confirmations.length === 0) throw new LoginError('confirmation-invalid', 'Assertion has no bearer SubjectConfirmation');
  let failure: LoginError | undefined;
  for (const confirmation of confirmations) {
    const data = child(confirmation, NS.saml, 'SubjectConfirmationData');
    const recipient = attr(data, 'Recipient');
    const inResponseTo = attr(data, 'InResponseTo');
    const until = time(attr(data, 'NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter');
    const notBefore = time(attr(data, 'NotBefore'), 'SubjectConfirmationData NotBefore');
    if (recipient !== expect.acsUrl) failure ??= new LoginError('recipient-mismatch', 'SubjectConfirmationData Recipient is not our ACS', { recipient, expected: expect.acsUrl });
    else if (inResponseTo !== expect.requestId) failure ??= new LoginError('unknown-request', 'SubjectConfirmationData InResponseTo does not match the request', { inResponseTo, expected: expect.requestId });
    else if (until === undefined) failure ??= new LoginError('confirmation-invalid', 'bearer SubjectConfirmationData has no NotOnOrAfter');
    else if (expect.nowMs - expect.skewMs >= until) failure ??= new LoginError('expired', 'SubjectConfirmationData has expired', { notOnOrAfter: attr(data, 'NotOnOrAfter') });
    else if (notBefore !== undefined && expect.nowMs + expect.skewMs < notBefore) failure ??= new LoginError('not-yet-valid', 'SubjectConfirmationData is not valid yet');
    else return until;
  }
  throw failure ?? new LoginError('confirmation-invalid', 'no usable bearer SubjectConfirmation');
}

export interface SamlNameID {
  value: string;
  format?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
}

/** Attributes, NameID, AuthnInstant, AuthnContextClassRef and SessionIndex of a verified assertion. */
export function assertionContents(assertion: Element): { attributes: SamlAttribute[]; nameID?: SamlNameID; authnInstant?: string; authnContext?: string; sessionIndex?: string } {
  const attributes = path(assertion, [[NS.saml, 'AttributeStatement'], [NS.saml, 'Attribute']]).map((el) => ({
    name: attr(el, 'Name') ?? '',
    friendlyName: attr(el, 'FriendlyName'),
    // eduPersonTargetedID's value is a NameID element: its text is the value.
    values: children(el, NS.saml, 'AttributeValue').map((v) => text(v) ?? ''),
  }));
  const nameIdEl = path(assertion, [[NS.saml, 'Subject'], [NS.saml, 'NameID']])[0];
  const nameValue = text(nameIdEl);
  const authn = path(assertion, [[NS.saml, 'AuthnStatement']])[0];
  return {
    attributes,
    nameID: nameValue
      ? { value: nameValue, format: attr(nameIdEl, 'Format'), nameQualifier: attr(nameIdEl, 'NameQualifier'), spNameQualifier: attr(nameIdEl, 'SPNameQualifier') }
      : undefined,
    authnInstant: attr(authn, 'AuthnInstant'),
    authnContext: authn ? text(path(authn, [[NS.saml, 'AuthnContext'], [NS.saml, 'AuthnContextClassRef']])[0]) : undefined,
    sessionIndex: attr(authn, 'SessionIndex'),
  };
}
