#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DEMO_CONFIG, PACKAGE_ROOT, formatProblems, type ValidateOptions } from '../config';
import { loadCatalog } from '../resource-catalog/load';
import { SpConfigError } from '../idp-adapters/saml/sp-config';
import { registerDemoCommand } from './cli-demo';
import { registerUsageCommands } from './cli-usage';
import { registerVendorCommands } from './cli-vendor';
import { createLogger } from './logger';
import { preflight } from './preflight';
import { startPassway } from './run';

/** Exit code for a configuration that does not validate. */
const BAD_CONFIG = 2;

/** The config and its catalog after every start-up check (gateway/preflight.ts), or exit 2 listing every problem. */
function loadOrExit(file: string, options: ValidateOptions = {}) {
  const checked = preflight(file, options);
  if (!checked.ok) {
    process.stderr.write(formatProblems(checked) + '\n');
    process.exit(BAD_CONFIG);
  }
  return checked;
}

// A reader that stops reading (`passway vendor add --list | head -2`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { version } = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
const program = new Command('passway').description('Passway federated access gateway for libraries').version(version, '-v, --version');

program
  .command('serve')
  .description('run the gateway (with no config: the built-in demo)')
  .option('-c, --config <file>', 'YAML config file (default: $PASSWAY_CONFIG, else the demo)')
  .action(async (options: { config?: string }) => {
    const file = options.config ?? (process.env.PASSWAY_CONFIG || DEMO_CONFIG);
    const { config, catalog, warnings } = loadOrExit(file);
    for (const w of warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    const logger = createLogger(config.logging.level);
    let running;
    try {
      running = await startPassway(config, logger, { catalog, catalogDir: path.dirname(path.resolve(file)) });
    } catch (error) {
      if (error instanceof SpConfigError) {
        // Found only when the files a key names are read: still a config problem, reported as one.
        process.stderr.write(formatProblems({ ok: false, source: file, problems: [{ path: error.path, message: error.message.slice(error.path.length + 2) }] }) + '\n');
        process.exit(BAD_CONFIG);
      }
      logger.fatal({ err: error }, 'could not start');
      process.stderr.write(`passway: could not start: ${(error as Error).message}\n`);
      process.exit(1);
    }
    logger.info({ url: running.url, config: file, store: config.store.kind, demo: config.demo.enabled }, 'Passway is running');
    process.stdout.write(`\nPassway is running${config.demo.enabled ? ' in demo mode' : ''}. Open ${running.url}\n\n`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      running.shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // SIGHUP reloads the catalog files; sessions are untouched and a bad catalog keeps the old one.
    process.on('SIGHUP', () => {
      const reloaded = loadCatalog(config, path.dirname(path.resolve(file)));
      if (reloaded.ok) {
        running.gateway.setCatalog(reloaded.catalog);
        logger.info({ resources: reloaded.catalog.resources.length, warnings: reloaded.warnings }, 'catalog reloaded');
      } else {
        logger.error({ problems: reloaded.problems }, 'catalog reload refused: the previous catalog stays in use');
      }
    });
  });

registerDemoCommand(program);

const configCommand = program.command('config').description('configuration tools');
configCommand
  .command('check')
  .argument('<file>', 'YAML config file')
  .description('validate a config without starting; exit 2 when it has problems')
  .action((file: string) => {
    const { warnings } = loadOrExit(file, { requireSecrets: false });
    process.stdout.write([`${path.resolve(file)}: OK`, ...warnings.map((w) => `  warning: ${w.path}: ${w.message}`)].join('\n') + '\n');
    process.exit(0);
  });

registerVendorCommands(program);
registerUsageCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`passway: ${(error as Error).message}\n`);
  process.exit(1);
});
