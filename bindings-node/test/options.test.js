'use strict';
// The shared consumer-option vectors (tests/vectors/options/consumer_options.json): the same
// out-of-range option gives core's result here. Each case is read back through core's
// normaliser (a test-only native export), and each refused value is also given to the public
// constructor, which must throw the same class and message: the binding passes numbers as
// they are.

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sdk = require('..');
const native = require('../native.js');

const file = path.join(__dirname, '..', '..', 'tests', 'vectors', 'options', 'consumer_options.json');
const { cases } = JSON.parse(fs.readFileSync(file, 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-options-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A vector value as a JS number (NaN and the infinities are strings in JSON). */
const jsValue = (v) => (typeof v === 'string' ? Number(v) : v === null ? undefined : v);

/** The Python name of an option as Node spells it. */
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

const classes = {
  IllegalData: sdk.SensorsAnalyticsIllegalDataException,
  Network: sdk.SensorsAnalyticsNetworkException,
};

function construct(c, value) {
  const opts = { [camel(c.option)]: value };
  const target = c.consumer.endsWith('LoggingConsumer') ? path.join(tmp, 'log') : 'http://127.0.0.1:9/sa';
  return new sdk[c.consumer](target, opts);
}

describe('consumer option vectors', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const value = jsValue(c.value);
      if (c.expect.error) {
        const check = { name: classes[c.expect.error].name, message: c.expect.message };
        assert.throws(() => native.normalisedConsumerOption(c.consumer, c.option, value), check);
        assert.throws(() => construct(c, value), check);
      } else {
        const got = JSON.parse(native.normalisedConsumerOption(c.consumer, c.option, value));
        assert.deepEqual(got, c.expect.settings);
      }
    });
  }
});
