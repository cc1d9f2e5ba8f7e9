import { writeFileSync } from 'node:fs';
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
import { readUnproxiedHosts } from './proxy/unproxied';
import { createStore } from './store';

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

function checkCommand(vendor: Command): void {
  vendor
    .command('check')
    .argument('[id...]', 'resource ids to check')
    .option('--all', 'check every resource')
    .option('-c, --config <file>', 'config file (default: $PASSWAY_CONFIG, else the demo)')
    .option('--catalog <file...>', 'catalog files whose entries are checked with the config\'s')
    .option('--timeout <ms>', 'HTTP timeout per request', '10000')
    .description('verify entries: host claims, DNS, start pages, WAYFless links, licences; exit 1 on any failure')
    .action(async (ids: string[], options: { all?: boolean; config?: string; catalog?: string[]; timeout: string }) => {
      if (!options.all && ids.length === 0) die('passway vendor check: give resource ids or --all');
      const file = options.config ?? (process.env.PASSWAY_CONFIG || DEMO_CONFIG);
      const loaded = loadConfigFile(file, { requireSecrets: false });
      if (!loaded.ok) die(formatProblems(loaded));
      const catalog: Resource[] = [...loaded.config.resources];
      for (const extra of options.catalog ?? []) {
        const read = readCatalogFile(extra);
        if (!read.ok) die(`${extra}: ${read.problems.length} problem(s)\n${read.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
        catalog.push(...read.resources);
      }
      const unknown = ids.filter((id) => !catalog.some((r) => r.id === id));
      if (unknown.length > 0) die(`passway vendor check: unknown resource ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${catalog.map((r) => r.id).join(', ')}`);
      const timeoutMs = Number(options.timeout) > 0 ? Number(options.timeout) : 10_000;
      // The unproxied-host detector's findings live in the gateway's Store: only a shared (Redis) Store can be read from here.
      const config = loaded.config;
      const store = config.store.kind === 'memory' ? undefined : createStore({ ...config.store });
      try {
        const unproxied = store ? (resource: string) => readUnproxiedHosts(store, resource) : undefined;
        const reports = await checkResources(catalog, config, options.all ? undefined : ids, defaultDeps({ timeoutMs, unproxied }));
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
