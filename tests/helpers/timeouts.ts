import path from 'node:path';

// A browser test drives Chromium through several pages and servers: on a loaded 2-core CI machine one
// such walk has taken more than the default 30 s while nothing was wrong (a CI run timed out on the
// sign-in walk while other suites ran beside it). Browser suites get 90 s; the rest keep the default.
if (expect.getState().testPath?.includes(`${path.sep}browser${path.sep}`)) jest.setTimeout(90_000);
