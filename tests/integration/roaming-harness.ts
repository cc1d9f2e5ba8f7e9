import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { parse } from 'yaml';
import { DEMO_CONFIG } from '../../config';
import type { DemoRoamingVendorHandle } from '../../demo';
import type { ResourceInput } from '../../resource-catalog/schema';

/**
 * The demo's roaming-account entry exactly as config/examples/demo.yaml ships it, moved to the port and
 * state folder of a test's demo roaming vendor.
 */
export function shippedDemoRoaming(vendor: DemoRoamingVendorHandle): ResourceInput {
  const demo = parse(readFileSync(DEMO_CONFIG, 'utf8')) as { resources: ResourceInput[] };
  const entry = demo.resources.find((r) => r.id === 'demo-roaming');
  if (!entry) throw new Error('config/examples/demo.yaml has no demo-roaming entry');
  const folder = path.dirname(vendor.usernameFile);
  return JSON.parse(JSON.stringify(entry).replaceAll('localhost:8087', `localhost:${vendor.port}`).replaceAll('state/roaming-vendor', folder)) as ResourceInput;
}

/** The account the demo vendor generated (what must never reach a browser or a log). */
export function demoAccount(vendor: DemoRoamingVendorHandle): { username: string; password: string } {
  return { username: readFileSync(vendor.usernameFile, 'utf8').trim(), password: readFileSync(vendor.passwordFile, 'utf8').trim() };
}

/** Every form of a secret a leak could take: as is, URL-encoded, base64, lower-cased. */
export function leakForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), secret.toLowerCase()])];
}

/** The parts of a response a browser receives, as one text to search. */
export function seenByBrowser(status: number, headers: Dispatcher.ResponseData['headers'], body: string): string {
  return `${status}\n${Object.entries(headers).map(([k, v]) => `${k}: ${[v].flat().join(', ')}`).join('\n')}\n\n${body}`;
}
