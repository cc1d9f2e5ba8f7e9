import { signIn as signInWith } from '../helpers/gateway';
import type { Identity } from '../../idp-adapters/identity';
import type { Gateway } from '../../gateway/app';

export const IDP = 'https://idp.uni.example.edu/idp/shibboleth';

export const person = (subject: string, over: Partial<Identity> = {}): Identity => ({
  subject,
  institution: 'uni',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  displayName: subject,
  source: { adapter: 'saml', idp: IDP },
  attributes: {},
  ...over,
});

/** Sign a person in through Sessions.login (the path every campus login takes); the cookie and session. */
export const signIn = (gateway: Gateway, identity: Identity) => signInWith(gateway.sessions, identity);

export const resources = [
  {
    id: 'journals',
    title: { en: 'Journal Platform', zh: '期刊平台' },
    vendor: 'Publisher',
    hosts: [{ host: 'journals.example.com' }],
    access: [{ kind: 'direct' as const, url: 'https://journals.example.com/' }],
    licences: [{ institution: 'uni', seats: 5 }],
  },
  {
    id: 'books',
    title: { en: 'Book Platform', zh: '图书平台' },
    vendor: 'Publisher',
    hosts: [{ host: 'books.example.com' }],
    access: [{ kind: 'direct' as const, url: 'https://books.example.com/' }],
    licences: [{ institution: 'uni' }],
  },
];

export const institutions = [{ id: 'uni', name: { en: 'Example University', zh: '示例大学' } }];
