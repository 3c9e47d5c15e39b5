'use strict';
// `npm install ./bindings-node` in another project, then `require` and `import` by name.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-install-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('npm install <folder>, then require and import', () => {
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', pkg], { cwd: dir, stdio: 'pipe' });
  const cjs = execFileSync(process.execPath, ['-e', `
    const sa = require('sensorsanalytics');
    new sa.SensorsAnalytics(new sa.ConsoleConsumer()).track('u1', 'FromRequire');`], { cwd: dir }).toString();
  assert.equal(JSON.parse(cjs).event, 'FromRequire');
  const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { SensorsAnalytics, ConsoleConsumer } from 'sensorsanalytics';
    new SensorsAnalytics(new ConsoleConsumer()).track('u1', 'FromImport');`], { cwd: dir }).toString();
  assert.equal(JSON.parse(esm).event, 'FromImport');
});
