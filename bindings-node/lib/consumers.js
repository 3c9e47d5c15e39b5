'use strict';
// The consumers, with the reference's parameters: positionally in the Python SDK's order, or
// as one options object (camelCase names). Each wraps a native consumer: a client built on one hands records to it without
// leaving native code. Any object with send(record), flush() and close() is a consumer too
// (see client.js).

const { NativeConsumer } = require('../native.js');

/** Where a consumer keeps its native half; client.js reads it. */
const NATIVE = Symbol('sensorsanalytics.native');

function options(value, what) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') {
    throw new TypeError(`${what}: options must be an object`);
  }
  return value;
}

/**
 * The parameters after the first: one options object, or the Python SDK's parameters in
 * order (`names`). Positional values undefined or null (Python's None) are left out, so the
 * defaults apply.
 */
function params(args, names) {
  if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') return args[0];
  // Positional parameters may be followed by an options object for what Python takes by
  // keyword only (the spool options): `new AsyncBatchConsumer(url, 1, 50, 50, 20000, 2000,
  // { spoolDir })`.
  const last = args[args.length - 1];
  const extra = args.length > 1 && last !== null && typeof last === 'object' ? last : {};
  const opts = { ...extra };
  names.forEach((name, i) => {
    if (args[i] !== undefined && args[i] !== null && typeof args[i] !== 'object') opts[name] = args[i];
  });
  return opts;
}

function nonNegativeInt(value, name) {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative integer`);
  }
  return value;
}

class NativeBackedConsumer {
  constructor(native) {
    Object.defineProperty(this, NATIVE, { value: native });
  }

  /** Hands one JSON line (one record) to the consumer. */
  send(record) {
    this[NATIVE].send(String(record));
  }

  /** Writes or sends what is buffered; runs off the JS thread. */
  flush() {
    return this[NATIVE].flush();
  }

  /** Flushes and releases the consumer; runs off the JS thread. */
  close() {
    return this[NATIVE].close();
  }
}

/** `ConsoleConsumer()`: one JSON line per record on stdout. */
class ConsoleConsumer extends NativeBackedConsumer {
  constructor() {
    super(NativeConsumer.console());
  }
}

/**
 * `LoggingConsumer(prefix, backupCount=0, when='midnight')`: appends to the file `prefix`,
 * rotated on time like Python's TimedRotatingFileHandler.
 */
class LoggingConsumer extends NativeBackedConsumer {
  constructor(prefix, ...args) {
    const { backupCount = 0, when = 'midnight' } = options(params(args, ['backupCount', 'when']), 'LoggingConsumer');
    super(NativeConsumer.logging(String(prefix), nonNegativeInt(backupCount, 'backupCount'), String(when)));
  }
}

/**
 * `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`: appends to `prefix.YYYY-MM-DD` under
 * an exclusive lock, so that many processes can share the file.
 */
class ConcurrentLoggingConsumer extends NativeBackedConsumer {
  constructor(prefix, ...args) {
    const { bufferSize = 8192 } = options(params(args, ['bufferSize']), 'ConcurrentLoggingConsumer');
    super(NativeConsumer.concurrentLogging(String(prefix), nonNegativeInt(bufferSize, 'bufferSize')));
  }
}

/** A request timeout in milliseconds (the documentation's unit), or undefined. */
function timeout(value) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isFinite(value) || value <= 0 || value > 0xffffffff) {
    throw new TypeError('requestTimeout must be a positive number of milliseconds');
  }
  return Math.ceil(value);
}

function positiveInt(value, name) {
  if (!Number.isInteger(value) || value <= 0 || value > 0xffffffff) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return value;
}

/**
 * The network options of every HTTP consumer (`caFile`, `proxy`, `headers`, `gzip`), passed
 * as given: core owns their defaults and rules. `headers` is an object or `[name, value]`
 * pairs, sent in that order.
 */
function network(o) {
  let headers;
  if (o.headers !== undefined && o.headers !== null) {
    const pairs = Array.isArray(o.headers) ? o.headers : Object.entries(o.headers);
    headers = pairs.map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new TypeError('headers must map header names to string values');
      }
      return { name: pair[0], value: pair[1] };
    });
  }
  return {
    caFile: o.caFile === undefined || o.caFile === null ? undefined : String(o.caFile),
    proxy: o.proxy === undefined || o.proxy === null ? undefined : String(o.proxy),
    headers,
    gzip: o.gzip === undefined || o.gzip === null ? undefined : !!o.gzip,
  };
}

function url(value) {
  if (typeof value !== 'string') throw new TypeError('urlPrefix must be a string');
  return value;
}

/**
 * `DefaultConsumer(url_prefix, request_timeout=None)`: one request per record. The request
 * is made on the consumer's own thread, never on the JS thread; a failure rejects the next
 * flush() or close().
 */
class DefaultConsumer extends NativeBackedConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['requestTimeout']), 'DefaultConsumer');
    super(NativeConsumer.defaultConsumer(url(urlPrefix), timeout(o.requestTimeout), network(o)));
  }
}

/**
 * `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: one request per `maxSize`
 * records (at most 50), sent on the consumer's own thread; failures reject the next flush().
 */
class BatchConsumer extends NativeBackedConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['maxSize', 'requestTimeout']), 'BatchConsumer');
    const { maxSize = 50, requestTimeout } = o;
    super(NativeConsumer.batch(url(urlPrefix), positiveInt(maxSize, 'maxSize'), timeout(requestTimeout), spool(o), network(o)));
  }

  /** The counters, as AsyncBatchConsumer's. */
  stats() {
    return this[NATIVE].stats();
  }
}

/**
 * The spool options (`spoolDir`, `spoolMaxBytes`, `spoolFsync`), passed as given: core owns
 * their defaults and rules. Without `spoolDir` there is no spool.
 */
function spool(o) {
  if (o.spoolDir === undefined || o.spoolDir === null) return undefined;
  return { spoolDir: String(o.spoolDir), spoolMaxBytes: o.spoolMaxBytes, spoolFsync: o.spoolFsync };
}

/** `onError(records, error)`: a function, or nothing. */
function onError(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') throw new TypeError('onError must be a function');
  return value;
}

/**
 * `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
 * max_size=1000, request_timeout=None)`: a background sender; `flushMaxTime` in seconds.
 * send() fails with SensorsAnalyticsNetworkException when `maxSize` records are waiting.
 * `onError(records, error)` is called on the JS thread with every batch given up on.
 */
class AsyncBatchConsumer extends NativeBackedConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['flushMaxTime', 'flushSize', 'maxBatchSize', 'maxSize', 'requestTimeout']), 'AsyncBatchConsumer');
    const {
      flushMaxTime = 3,
      flushSize = 20,
      maxBatchSize = 100,
      maxSize = 1000,
      requestTimeout,
    } = o;
    if (!Number.isFinite(flushMaxTime) || flushMaxTime <= 0) {
      throw new TypeError('flushMaxTime must be a positive number of seconds');
    }
    super(NativeConsumer.asyncBatch(
      url(urlPrefix),
      flushMaxTime,
      positiveInt(flushSize, 'flushSize'),
      positiveInt(maxBatchSize, 'maxBatchSize'),
      positiveInt(maxSize, 'maxSize'),
      timeout(requestTimeout),
      spool(o),
      network(o),
      onError(o.onError),
    ));
  }

  /**
   * The counters: records sent, failed (given up on after the retries, also warned about on
   * stderr), dropped (refused: queue full or closed), retried requests, queue depth, last error.
   */
  stats() {
    return this[NATIVE].stats();
  }
}

/**
 * `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: each record to the
 * debug API (`Dry-Run` when `writeData` is false), verdicts printed on stdout. A rejected
 * record rejects the next flush() or close() with SensorsAnalyticsDebugException.
 */
class DebugConsumer extends NativeBackedConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['writeData', 'requestTimeout']), 'DebugConsumer');
    const { writeData = true, requestTimeout } = o;
    super(NativeConsumer.debug(url(urlPrefix), !!writeData, timeout(requestTimeout), network(o)));
  }
}

module.exports = {
  NATIVE,
  NativeBackedConsumer,
  DefaultConsumer,
  BatchConsumer,
  AsyncBatchConsumer,
  DebugConsumer,
  ConsoleConsumer,
  LoggingConsumer,
  ConcurrentLoggingConsumer,
  options,
  params,
  nonNegativeInt,
};
