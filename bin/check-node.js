'use strict';
// Plain JavaScript, loaded before anything else: on an older Node the dependencies fail far from
// the cause (undici's "Cannot read properties of undefined (reading 'bind')" on Node 20).
const { engines } = require('../package.json');

const needed = Number(/\d+/.exec(engines.node)[0]);
const major = Number(process.versions.node.split('.')[0]);
if (major < needed) {
  process.stderr.write(`passway: needs Node.js ${needed} or newer (Node 24 LTS recommended); this is Node ${process.versions.node}. See https://nodejs.org/\n`);
  process.exit(1);
}
