import { existsSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, whether running from sources (ts-jest) or from dist/. */
export const PACKAGE_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

export const DEMO_CONFIG = path.join(PACKAGE_ROOT, 'config', 'examples', 'demo.yaml');

/**
 * A compiled script (a worker thread's) beside the module `moduleFile`: next to it when running from dist/, or
 * the one `npm run build` put in dist/ when running from sources (ts-jest). Undefined when there is none.
 */
export function compiledScript(moduleFile: string, script: string): string | undefined {
  const dir = path.dirname(moduleFile);
  const file = moduleFile.endsWith('.ts') ? path.join(PACKAGE_ROOT, 'dist', path.relative(PACKAGE_ROOT, dir), script) : path.join(dir, script);
  return existsSync(file) ? file : undefined;
}
