#!/usr/bin/env node
'use strict';
// The `passway` command: the Node version check first, then the compiled CLI (`npm run build`).
require('./check-node');
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'gateway', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('passway: not built yet: run `npm run build` in the Passway folder first\n');
  process.exit(1);
}
require(cli);
