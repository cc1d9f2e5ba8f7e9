import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { PACKAGE_ROOT } from '../../config/paths';
import { html, type Html } from './html';

/**
 * The pages' browser scripts: TypeScript in gateway/pages/client, built by `tsc -p tsconfig.client.json`
 * into dist/client, served under /assets/<digest of them all>/ (so a new build is a new URL and the
 * files can be cached for good), each script tag carrying its Subresource Integrity hash.
 */
const DIR = path.join(PACKAGE_ROOT, 'dist', 'client');

interface Built {
  version: string;
  files: Map<string, { body: Buffer; integrity: string }>;
}

let built: Built | undefined;

function load(): Built {
  if (built) return built;
  let names: string[];
  try {
    names = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  } catch {
    throw new Error(`the pages' browser scripts are not built (${DIR}): run npm run build`);
  }
  const all = createHash('sha256');
  const files = new Map<string, { body: Buffer; integrity: string }>();
  for (const name of names.sort()) {
    const body = readFileSync(path.join(DIR, name));
    all.update(name).update(body);
    files.set(name.split(path.sep).join('/'), { body, integrity: `sha384-${createHash('sha384').update(body).digest('base64')}` });
  }
  built = { version: all.digest('hex').slice(0, 12), files };
  return built;
}

/** The <script type="module"> tag for a built script, e.g. clientScript('client/discovery.js'). */
export function clientScript(name: string): Html {
  const { version, files } = load();
  const file = files.get(name);
  if (!file) throw new Error(`no browser script ${name} in ${DIR}`);
  return html`<script type="module" src="/assets/${version}/${name}" integrity="${file.integrity}"></script>`;
}

/** GET /assets/<version>/<file>.js */
export function clientScriptRoutes(): Router {
  const router = Router();
  router.get('/assets/:version/*file', (req, res, next) => {
    const { version, files } = load();
    const name = ([] as string[]).concat(req.params.file as string | string[]).join('/');
    const file = req.params.version === version ? files.get(name) : undefined;
    if (!file) {
      next();
      return;
    }
    res.type('text/javascript').set('Cache-Control', 'public, max-age=31536000, immutable').send(file.body);
  });
  return router;
}
