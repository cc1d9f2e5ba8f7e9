#!/usr/bin/env node
import path from 'node:path';
import { Command } from 'commander';
import { DEMO_CONFIG, formatProblems, loadConfigFile } from '../config';
import { startDemoFederation } from '../tests/fixtures/demo';
import { createLogger } from './logger';
import { startPassway } from './run';

/** Exit code for a configuration that does not validate. */
const BAD_CONFIG = 2;

function loadOrExit(file: string) {
  const result = loadConfigFile(file);
  if (!result.ok) {
    process.stderr.write(formatProblems(result) + '\n');
    process.exit(BAD_CONFIG);
  }
  for (const w of result.warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
  return result.config;
}

const program = new Command('passway').description('Passway federated access gateway for libraries');

program
  .command('serve')
  .description('run the gateway (with no config: the built-in demo)')
  .option('-c, --config <file>', 'YAML config file (default: $PASSWAY_CONFIG, else the demo)')
  .action(async (options: { config?: string }) => {
    const file = options.config ?? (process.env.PASSWAY_CONFIG || DEMO_CONFIG);
    const config = loadOrExit(file);
    const logger = createLogger(config.logging.level);
    let running;
    try {
      running = await startPassway(config, logger);
    } catch (error) {
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
    const result = loadConfigFile(file, { requireSecrets: false });
    process[result.ok ? 'stdout' : 'stderr'].write(formatProblems(result) + '\n');
    process.exit(result.ok ? 0 : BAD_CONFIG);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`passway: ${(error as Error).message}\n`);
  process.exit(1);
});
