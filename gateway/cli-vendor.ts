import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEMO_CONFIG, formatProblems, loadConfigFile } from '../config';
import {
  appendToCatalogFile,
  catalogYaml,
  checkResources,
  defaultDeps,
  EzproxyReadError,
  failed,
  formatCheckReport,
  formatImportReport,
  importEzproxy,
  listPresets,
  loadPreset,
  presetEntry,
  PresetError,
  readCatalogFile,
  type Resource,
} from '../resource-catalog';
import { Catalog } from '../resource-catalog/catalog';
import { loadCatalog } from '../resource-catalog/load';
import { readUnproxiedHosts } from './proxy/unproxied';
import { credentialProblems, readVendorLoginStatus } from './proxy/roaming';
import { createStore } from './store';
import { browseCheck, BrowseError, formatBrowseReport, isProblem } from './vendor-browse';

/** Exit codes: 0 done, 1 done with something left to do (import) or a failed check, 2 bad input. */
const PARTIAL = 1;
const BAD_INPUT = 2;

function die(message: string, code = BAD_INPUT): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function addCommand(vendor: Command): void {
  vendor
    .command('add')
    .description('write a catalog entry from a vendor preset (to stdout, or appended to --catalog)')
    .option('--preset <name>', 'preset name (see --list)')
    .option('--institution <id>', 'institution licensed to use it (faculty, student, staff)')
    .option('--catalog <file>', 'catalog YAML file to append to (created when missing)')
    .option('--id <id>', 'resource id, when the preset\'s is taken')
    .option('--list', 'list the presets')
    .action((options: { preset?: string; institution?: string; catalog?: string; id?: string; list?: boolean }) => {
      if (options.list) {
        for (const name of listPresets()) {
          const preset = loadPreset(name);
          const ways = preset.access.map((a) => a.kind).join(', ');
          process.stdout.write(`${name.padEnd(16)} ${preset.title.en}${preset.title.zh ? ` / ${preset.title.zh}` : ''} (${ways})\n`);
        }
        return;
      }
      if (!options.preset || !options.institution) die('passway vendor add: give --preset <name> and --institution <id> (or --list)');
      let entry;
      try {
        entry = presetEntry(options.preset, options.institution, { id: options.id });
      } catch (error) {
        if (error instanceof PresetError) die(`passway vendor add: ${error.message}`);
        throw error;
      }
      const comment = `from preset "${options.preset}": check hosts, access and licences, then run \`passway vendor check ${entry.id}\``;
      if (!options.catalog) {
        process.stdout.write(catalogYaml([entry], comment));
        return;
      }
      const result = appendToCatalogFile(options.catalog, entry, comment);
      if (!result.ok) die(`passway vendor add: not added to ${options.catalog}:\n${result.problems.map((p) => `  ${p}`).join('\n')}`);
      process.stdout.write(`${result.created ? 'created' : 'added to'} ${options.catalog}: ${entry.id} (${entry.title.en})\n`);
    });
}

function importCommand(vendor: Command): void {
  vendor
    .command('import-ezproxy')
    .argument('<config>', 'EZproxy config.txt (IncludeFile is followed)')
    .option('--institution <id>', 'license every entry to this institution')
    .option('--out <file>', 'write the catalog here (default: stdout, with the report on stderr)')
    .option('--ezproxy-host <host>', 'the old EZproxy server\'s name, when config.txt has no Name line: its addresses in Find/Replace are translated')
    .description('turn EZproxy stanzas into catalog entries; exit 1 when some directives were not converted')
    .action((file: string, options: { institution?: string; out?: string; ezproxyHost?: string }) => {
      let result;
      try {
        result = importEzproxy(file, { institution: options.institution, ezproxyHost: options.ezproxyHost });
      } catch (error) {
        if (error instanceof EzproxyReadError) die(`passway vendor import-ezproxy: ${error.message}`);
        throw error;
      }
      const yaml = catalogYaml(result.resources, `imported from EZproxy ${file}; review hosts and add licences before use`);
      const report = formatImportReport(file, result);
      if (options.out) {
        writeFileSync(options.out, yaml);
        process.stdout.write(`${report}\nwrote ${result.resources.length} entries to ${options.out}\n`);
      } else {
        process.stdout.write(yaml);
        process.stderr.write(`${report}\n`);
      }
      process.exitCode = result.unconverted.length > 0 ? PARTIAL : 0;
    });
}

interface CheckOptions {
  all?: boolean;
  config?: string;
  catalog?: string[];
  timeout: string;
  browse?: string;
  chromium: string;
  institution?: string;
  session?: string;
  json?: boolean;
}

const BROWSE_HELP = `
--browse <id> starts this config's gateway inside the command (on a free loopback port, as
http://localhost:<port> with proxied hosts under p.localhost, sessions in memory: the running
gateway, its store and its users' sessions are not touched), signs in a test identity licensed for
the resource (its first licence, or --institution's), and opens the resource's proxy start page in
Debian's Chromium against the real vendor. Run it from a machine the vendor admits (on campus, or
an address registered with the vendor). It reports every request that left the proxy, every host
in no catalog entry, every Content-Security-Policy block and console error, each with a suggested
host rule or Find/Replace rule; exit 1 when there is any, 2 for bad input or no Chromium.

--session <cookie> instead opens the running gateway at the config's publicUrl with that session
(the value of its session cookie, copied from a browser signed in there), through the resource's
launch link: the deployment exactly as readers get it, signed in as whoever owns the session.`;

async function browseAction(file: string, id: string, options: CheckOptions): Promise<void> {
  const loaded = loadConfigFile(file, { requireSecrets: false });
  if (!loaded.ok) die(formatProblems(loaded));
  const config = loaded.config;
  const catalogLoad = loadCatalog(config, path.dirname(path.resolve(file)));
  if (!catalogLoad.ok) die(`${file}: ${catalogLoad.problems.length} catalog problem(s)\n${catalogLoad.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  const resources = [...catalogLoad.catalog.resources, ...extraCatalogs(options.catalog)];
  const timeoutMs = Number(options.timeout) > 0 ? Number(options.timeout) : 10_000;
  let report;
  try {
    report = await browseCheck({ config, catalog: new Catalog(resources), id, chromium: options.chromium, timeoutMs, institution: options.institution, session: options.session });
  } catch (error) {
    if (error instanceof BrowseError) die(`passway vendor check --browse: ${error.message}`);
    throw error;
  }
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBrowseReport(report)}\n`);
  process.exitCode = report.findings.some(isProblem) ? PARTIAL : 0;
}

function extraCatalogs(files: string[] = []): Resource[] {
  const resources: Resource[] = [];
  for (const extra of files) {
    const read = readCatalogFile(extra);
    if (!read.ok) die(`${extra}: ${read.problems.length} problem(s)\n${read.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    resources.push(...read.resources);
  }
  return resources;
}

function checkCommand(vendor: Command): void {
  vendor
    .command('check')
    .argument('[id...]', 'resource ids to check')
    .option('--all', 'check every resource')
    .option('-c, --config <file>', 'config file (default: $PASSWAY_CONFIG, else the demo)')
    .option('--catalog <file...>', 'catalog files whose entries are checked with the config\'s')
    .option('--timeout <ms>', 'HTTP timeout per request (with --browse: for the page to load)', '10000')
    .option('--browse <id>', 'open the resource through the proxy in Chromium, signed in as a test identity, and report what escapes (see below)')
    .option('--chromium <path>', 'Chromium executable for --browse', '/usr/bin/chromium')
    .option('--institution <id>', 'with --browse: the test identity\'s institution (default: the first licence\'s)')
    .option('--session <cookie>', 'with --browse: use the running gateway at publicUrl with this session instead (see below)')
    .option('--json', 'with --browse: the report as JSON')
    .description('verify entries: host claims, DNS, start pages, WAYFless links, licences; exit 1 on any failure')
    .addHelpText('after', BROWSE_HELP)
    .action(async (ids: string[], options: CheckOptions) => {
      const file = options.config ?? (process.env.PASSWAY_CONFIG || DEMO_CONFIG);
      if (options.browse !== undefined) {
        if (ids.length > 0 || options.all) die('passway vendor check --browse: give one resource id, as --browse <id>, and no other ids or --all');
        await browseAction(file, options.browse, options);
        return;
      }
      if (!options.all && ids.length === 0) die('passway vendor check: give resource ids or --all');
      const loaded = loadConfigFile(file, { requireSecrets: false });
      if (!loaded.ok) die(formatProblems(loaded));
      const catalog: Resource[] = [...loaded.config.resources, ...extraCatalogs(options.catalog)];
      const unknown = ids.filter((id) => !catalog.some((r) => r.id === id));
      if (unknown.length > 0) die(`passway vendor check: unknown resource ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${catalog.map((r) => r.id).join(', ')}`);
      const timeoutMs = Number(options.timeout) > 0 ? Number(options.timeout) : 10_000;
      // The unproxied-host detector's findings live in the gateway's Store: only a shared (Redis) Store can be read from here.
      const config = loaded.config;
      const store = config.store.kind === 'memory' ? undefined : createStore({ ...config.store });
      try {
        const unproxied = store ? (resource: string) => readUnproxiedHosts(store, resource) : undefined;
        const vendorLogins = store ? (resource: string) => readVendorLoginStatus(store, resource) : undefined;
        const secrets = { env: process.env, readFile: (file: string) => readFileSync(file, 'utf8') };
        const roamingCredentials = (resource: Resource) => (resource.roaming ? credentialProblems(secrets, resource.roaming) : []);
        const reports = await checkResources(catalog, config, options.all ? undefined : ids, defaultDeps({ timeoutMs, unproxied, vendorLogins, roamingCredentials }));
        process.stdout.write(formatCheckReport(reports) + '\n');
        if (!store) process.stdout.write('(hosts seen in vendor pages that no resource claims are kept in the gateway\'s store; with store.kind "memory" see /admin/unproxied on the running gateway)\n');
        process.exitCode = failed(reports) ? PARTIAL : 0;
      } finally {
        await store?.close();
      }
    });
}

/** `passway vendor add | import-ezproxy | check`. */
export function registerVendorCommands(program: Command): void {
  const vendor = program.command('vendor').description('vendor onboarding: presets, EZproxy import, checks');
  addCommand(vendor);
  importCommand(vendor);
  checkCommand(vendor);
}
