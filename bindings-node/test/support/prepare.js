'use strict';
// `npm test`'s pretest step: the native module must be built (`npm run build`), and the
// loopback receiver the HTTP tests talk to (tests/receiver, binary sa-receiver) is built
// with cargo when it is not found, into the same target dir as the native module.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const receiver = require('./receiver.js');

const pkg = path.resolve(__dirname, '../..');
if (!fs.readdirSync(pkg).some((f) => f.endsWith('.node'))) {
  console.error('pretest: the native module is not built: run `npm run build` first');
  process.exit(1);
}

try {
  receiver.binary();
} catch {
  console.error('pretest: building the loopback receiver (cargo build --release -p sa-receiver)');
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '-p', 'sa-receiver'], {
    cwd: path.resolve(pkg, '..'),
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  receiver.binary(); // throws, naming where it looked, if the build went elsewhere
}
