'use strict';
// A JS consumer that keeps what it is sent, and a client on it.

const sdk = require('../..');

class Capture {
  constructor() {
    this.lines = [];
    this.flushed = 0;
    this.closed = 0;
  }

  send(line) {
    this.lines.push(line);
  }

  flush() {
    this.flushed++;
  }

  close() {
    this.closed++;
  }

  /** The records sent so far, parsed. */
  get records() {
    return this.lines.map((l) => JSON.parse(l));
  }

  get last() {
    return JSON.parse(this.lines[this.lines.length - 1]);
  }
}

function client(options) {
  const capture = new Capture();
  return { sa: new sdk.SensorsAnalytics(capture, options), capture };
}

module.exports = { Capture, client, sdk };
