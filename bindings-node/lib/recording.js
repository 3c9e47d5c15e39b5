'use strict';
// RecordingConsumer: the core's recording consumer, for users' own unit tests. Each record
// is kept in memory exactly as another consumer would get it; `records` parses them.

const { NativeRecording } = require('../native.js');
const { NativeBackedConsumer } = require('./consumers.js');

const RECORDING = Symbol('sensorsanalytics.recording');

/**
 * `RecordingConsumer()`: keeps every record in memory, for tests of code that tracks.
 * Nothing is written or sent.
 */
class RecordingConsumer extends NativeBackedConsumer {
  constructor() {
    const recording = new NativeRecording();
    super(recording.consumer());
    Object.defineProperty(this, RECORDING, { value: recording });
  }

  /** The records so far, oldest first, each parsed with JSON.parse. */
  get records() {
    return this[RECORDING].lines().map((line) => JSON.parse(line));
  }

  /** The records so far as the JSON lines another consumer would write or send. */
  get lines() {
    return this[RECORDING].lines();
  }

  /** The `track` records of event `name`, oldest first. */
  events(name) {
    return this.records.filter((r) => r.event === name);
  }

  /** How many records are kept. */
  get length() {
    return this[RECORDING].length;
  }

  /** Whether close() was called (by the client's close(), typically). */
  get closed() {
    return this[RECORDING].closed;
  }

  /** Forgets the records so far. */
  clear() {
    this[RECORDING].clear();
  }
}

module.exports = { RecordingConsumer };
