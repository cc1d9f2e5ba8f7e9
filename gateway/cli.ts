#!/usr/bin/env node
import path from 'node:path';
import { Command } from 'commander';
import { DEMO_CONFIG, formatProblems, type ValidateOptions } from '../config';
import { loadCatalog } from '../resource-catalog/load';
import { SpConfigError } from '../idp-adapters/saml/sp-config';
import { startDemoFederation } from '../tests/fixtures/demo';
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

const program = new Command('passway').description('Passway federated access gateway for libraries');

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

program
  .command('demo')
  .description('run only the demo IdP and demo vendors on 8081-8083 (docker/compose.yaml runs the gateway apart)')
  .option('--host <address>', 'address to listen on', '0.0.0.0')
  .option('--state-dir <dir>', 'where generated demo keys are kept', 'state')
  .option('--gateway-metadata-url <url>', "the gateway's SP metadata, trusted by the demo IdP", 'http://localhost:8080/auth/saml/metadata')
  .action(async (options: { host: string; stateDir: string; gatewayMetadataUrl: string }) => {
    const federation = await startDemoFederation({
      host: options.host,
      stateDir: path.resolve(options.stateDir),
      gatewaySpMetadataUrl: options.gatewayMetadataUrl,
    });
    process.stdout.write(`Demo IdP ${federation.idp.url}, SAML vendor ${federation.samlVendor.url}, plain vendor ${federation.plainVendor.url}\n`);
    const stop = () => void federation.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

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
