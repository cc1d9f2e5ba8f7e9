import path from 'node:path';
import type { Command } from 'commander';
import { DEMO_CONFIG, formatProblems, loadConfigFile } from '../config';
import { createStore } from './store';
import { rebuildUsage } from './usage';
import { DAY } from './usage/day';

const BAD_INPUT = 2;

const collect = (value: string, previous: string[]) => [...previous, value];

/** `passway usage rebuild --from <dir> [--from <dir>…]`: recompute the Store aggregates from usage log files. */
export function registerUsageCommands(program: Command): void {
  const usage = program.command('usage').description('usage log and aggregates');
  usage
    .command('rebuild')
    .description('recompute the usage aggregates in the store from the log files of every node (each day found is cleared, then recounted)')
    .option('--from <dir>', 'folder with usage-YYYY-MM-DD.<node>.jsonl files; repeat it for the folders of several nodes', collect, [] as string[])
    .option('-c, --config <file>', 'YAML config file naming the store (default: $PASSWAY_CONFIG, else the demo)')
    .option('--since <day>', 'first day to rebuild (YYYY-MM-DD)')
    .option('--until <day>', 'last day to rebuild (YYYY-MM-DD)')
    .action(async (options: { from: string[]; config?: string; since?: string; until?: string }) => {
      if (options.from.length === 0) {
        process.stderr.write('passway usage rebuild: name the log folder(s) with --from <dir> (once per node folder, or the shared one)\n');
        process.exit(BAD_INPUT);
      }
      for (const day of [options.since, options.until]) {
        if (day !== undefined && !DAY.test(day)) {
          process.stderr.write(`passway usage rebuild: "${day}" is not a day (YYYY-MM-DD)\n`);
          process.exit(BAD_INPUT);
        }
      }
      const file = options.config ?? (process.env.PASSWAY_CONFIG || DEMO_CONFIG);
      const loaded = loadConfigFile(file, { requireSecrets: false });
      if (!loaded.ok) {
        process.stderr.write(formatProblems(loaded) + '\n');
        process.exit(BAD_INPUT);
      }
      const config = loaded.config;
      const store = createStore(config.store.kind === 'memory' ? { kind: 'memory' } : { ...config.store });
      if (store.kind === 'memory') process.stderr.write('warning: the store is in memory: the rebuilt aggregates end with this command\n');
      try {
        const result = await rebuildUsage(store, options.from.map((dir) => path.resolve(dir)), { from: options.since, to: options.until });
        process.stdout.write(`rebuilt ${result.days.length} day(s) from ${result.files} file(s), ${result.events} events${result.days.length ? `: ${result.days[0]} … ${result.days[result.days.length - 1]}` : ''}\n`);
      } finally {
        await store.close();
      }
    });
}
