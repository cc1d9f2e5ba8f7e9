import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfigFile } from '../../config';
import { startPassway, type RunningPassway } from '../../gateway/run';
import { freePorts } from './ports';

/** The ports config/examples/demo.yaml names (gateway, IdP, vendors, CDN, CAS college, SAML-only vendor, roaming vendor). */
const DEMO_PORTS = [8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087] as const;

export interface ShippedDemo {
  running: RunningPassway;
  /** A shipped port's stand-in on this run, e.g. `url(8086)` = `http://localhost:<free port>`. */
  url(shipped: (typeof DEMO_PORTS)[number]): string;
  dir: string;
  close(): Promise<void>;
}

/**
 * `npm start` as shipped (config/examples/demo.yaml, demo mode, every demo server), on free ports
 * and a fresh state folder so it runs beside other tests and a developer's own demo.
 */
export async function startShippedDemo(logger?: Logger): Promise<ShippedDemo> {
  const dir = mkdtempSync(path.join(tmpdir(), 'passway-shipped-demo-'));
  const free = await freePorts(DEMO_PORTS.length);
  const ports = new Map(DEMO_PORTS.map((p, i) => [p, free[i]!]));
  let yaml = readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8');
  for (const [shipped, port] of ports) yaml = yaml.replaceAll(String(shipped), String(port));
  yaml = yaml.replace('stateDir: state', `stateDir: ${dir}/state`).replaceAll('metadataFile: state/', `metadataFile: ${dir}/state/`);
  const file = path.join(dir, 'demo.yaml');
  writeFileSync(file, `${yaml}\nusage: { dir: ${dir}/usage }\n`);
  const loaded = loadConfigFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const running = await startPassway(loaded.config, logger);
  return {
    running,
    dir,
    url: (shipped) => `http://localhost:${ports.get(shipped)!}`,
    close: async () => {
      await running.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
