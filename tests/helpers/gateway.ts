import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { validateConfig, formatProblems, type ConfigInput } from '../../config';
import type { Config, Login } from '../../config/schema';
import { createGateway, type GatewayDeps } from '../../gateway/app';
import type { Session, Sessions } from '../../gateway/session';
import { MemoryStore } from '../../gateway/store';
import type { Identity } from '../../idp-adapters/identity';

export const TEST_SECRET = 'test-session-secret-0123456789abcdef';

/** A validated config from a literal, with a session secret unless the test gives one. */
export function testConfig(input: ConfigInput = {}): Config {
  // An in-process gateway shares its event loop with the test's own work (in-process IdPs compiling xmllint,
  // RSA keys, XML signatures): that is not load on the gateway, so its lag-based shedding stays off unless a
  // test sets a limit (a CI run once saw every login start of a SAML suite refused with the overload 503);
  // its utilisation limit is off (1) for the same reason: a loaded CI machine keeps the loop busy.
  const result = validateConfig({
    ...input,
    session: { secret: TEST_SECRET, ...input.session },
    load: { maxEventLoopLagMs: 3_600_000, maxEventLoopUtilization: 1, ...input.load },
  });
  if (!result.ok) throw new Error(formatProblems(result));
  return result.config;
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export function testGateway(config: Config, deps: Partial<GatewayDeps> = {}) {
  const { logger, lines } = capturingLogger();
  const store = deps.store ?? new MemoryStore();
  const gateway = createGateway({ config, store, logger, sessionSecret: TEST_SECRET, ...deps });
  return { gateway, store, lines };
}

/**
 * Sign a person in through `Sessions.login` (the path every campus login takes) and return the
 * session cookie a browser would send, with the session. The Sessions API itself is tested over
 * real HTTP in tests/integration/session.test.ts.
 */
export async function signIn(sessions: Sessions, identity: Identity): Promise<{ cookie: string; session: Session }> {
  let cookie = '';
  const res = { appendHeader: (_name: string, value: string) => (cookie = value.split(';')[0]!) } as unknown as ServerResponse;
  const session = await sessions.login(res, undefined, identity);
  return { cookie, session };
}

/** One login as the config loader makes it (defaults filled in), for tests that build an adapter directly. */
export function parsedLogin<K extends Login['kind']>(login: NonNullable<ConfigInput['logins']>[number] & { kind: K; institution: string }): Extract<Login, { kind: K }> {
  const config = testConfig({ institutions: [{ id: login.institution, name: { en: login.institution } }], logins: [login] });
  return config.logins[0] as Extract<Login, { kind: K }>;
}
