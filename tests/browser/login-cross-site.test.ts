/**
 * The login state cookie in a real browser (Debian chromium), with the campus IdP on another site
 * than the gateway (127.0.0.1 vs localhost), as in production: the IdP's auto-POST back to the ACS
 * is a cross-site POST, which carries the SameSite=None state cookie; and a page on a third origin
 * that auto-posts an attacker's SAMLResponse signs the victim in as nobody.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { DemoIdpHandle } from '../../demo';
import { escapeHtml } from '../../demo/html';
import { closeServer, listen } from '../../demo/server';
import { launchChromium } from '../helpers/browser';
import { CookieJar, INSTITUTIONS, samlLogin, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from '../integration/saml-harness';

let stateDir: string;
let idp: DemoIdpHandle;
let node: GatewayNode;
let browser: Browser;
let attackerSite: http.Server;
let attackerUrl: string;
/** The attacker's page: auto-posts whatever form fields are set here to the gateway's ACS. */
let attackerForm: { action: string; fields: Record<string, string> } = { action: '', fields: {} };

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-browser-cross-site-'));
  idp = await startIdp(stateDir, [], '127.0.0.1');
  node = await startGatewayNode({ institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: await spKeyFiles(stateDir) } });
  idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
  attackerSite = http.createServer((_req, res) => {
    const inputs = Object.entries(attackerForm.fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Free e-books</title><form method="post" action="${escapeHtml(attackerForm.action)}">${inputs.join('')}</form><script>document.forms[0].submit()</script>`);
  });
  attackerUrl = `http://127.0.0.2:${await listen(attackerSite, '127.0.0.2', 0)}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await idp?.close();
  if (attackerSite) await closeServer(attackerSite);
  await rm(stateDir, { recursive: true, force: true });
});

describe('the login state cookie in Chromium, IdP on another site', () => {
  it('the IdP’s cross-site POST to the ACS carries the state cookie: signed in, back where the login started', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${node.url}/auth/demo-idp/login?returnTo=%2F%3Fcross%3D1`);
    await page.waitForURL((url) => url.href.startsWith(idp.ssoUrl));
    expect(new URL(page.url()).hostname).toBe('127.0.0.1');
    const [stateCookie] = (await context.cookies(node.url)).filter((c) => c.name.startsWith('passway_login_'));
    expect(stateCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None' });
    await page.getByLabel('Username 用户名').fill('faculty');
    await page.getByLabel('Password 密码').fill('faculty-demo');
    await page.getByRole('button', { name: 'Sign in 登录' }).click();
    await page.waitForURL(`${node.url}/?cross=1`);
    expect(await page.locator('header').textContent()).toContain('张伟 Zhang Wei');
    // Its job done, the state cookie is gone.
    expect((await context.cookies(node.url)).filter((c) => c.name.startsWith('passway_login_'))).toEqual([]);
    await context.close();
  });

  it('a page on another origin auto-posting the attacker’s SAMLResponse does not sign the victim in', async () => {
    const { form } = await signInAtIdp(node.url, 'demo-idp', 'student', new CookieJar()); // the attacker, at the real IdP
    attackerForm = form;
    const victim = await browser.newContext({ locale: 'en-US' });
    const page = await victim.newPage();
    const acs = page.waitForResponse((res) => res.url() === `${node.url}/auth/saml/acs`);
    await page.goto(attackerUrl);
    expect((await acs).status()).toBe(403);
    expect(await page.locator('code').textContent()).toBe('login-not-started-here');
    expect(await page.getByRole('alert').textContent()).toContain('this sign-in was not started in this browser');
    expect((await victim.cookies(node.url)).map((c) => c.name)).not.toContain('passway_sid');
    await victim.close();
  });
});
