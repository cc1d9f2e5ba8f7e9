import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config';
import { configReference, withReference } from '../../config/reference';

describe('configuration reference', () => {
  it('in README.md is the one generated from the schema (run `npm run docs:config` after changing it)', () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(withReference(readme)).toEqual(readme);
  });

  it('documents every key with its default and every environment override', () => {
    const reference = configReference();
    expect(reference).toContain('| `session.idleTimeoutMinutes` | number | `120` |');
    expect(reference).toContain('| `resources[].access[]{kind: wayfless}.template` | string | *required* |');
    expect(reference).toContain('`PASSWAY_SESSION_SECRET` or `PASSWAY_SESSION_SECRET_FILE`');
  });
});
