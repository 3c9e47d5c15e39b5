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

/**
 * A numeric option as given, for core to check and normalise (its one rule for zero,
 * negative, fractional and too large; its defaults for undefined): only the JS type is
 * checked here.
 */
function number(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  return value;
}

/** A string or boolean option as given, or undefined for core's default. */
function given(value, convert) {
  return value === undefined || value === null ? undefined : convert(value);
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
    const { backupCount, when } = options(params(args, ['backupCount', 'when']), 'LoggingConsumer');
    super(NativeConsumer.logging(String(prefix), number(backupCount, 'backupCount'), given(when, String)));
  }
}

/**
 * `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`: appends to `prefix.YYYY-MM-DD` under
 * an exclusive lock, so that many processes can share the file.
 */
class ConcurrentLoggingConsumer extends NativeBackedConsumer {
  constructor(prefix, ...args) {
    const { bufferSize } = options(params(args, ['bufferSize']), 'ConcurrentLoggingConsumer');
    super(NativeConsumer.concurrentLogging(String(prefix), number(bufferSize, 'bufferSize')));
  }
}

/** A request timeout in milliseconds (the documentation's unit), or undefined. */
const timeout = (value) => number(value, 'requestTimeout');

/**
 * What the Default/Batch/Debug consumers do with a failure when it happens, on the JS thread:
 * a process warning carrying the SDK's error (`process.on('warning', ...)` sees it; Node
 * prints it on stderr by default). It also counts in stats() and rejects the next flush().
 */
function onFailure(err) {
  process.emitWarning(err);
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

/** The HTTP consumers: their counters. */
class HttpConsumer extends NativeBackedConsumer {
  /**
   * The counters: records sent, failed (as they failed: also emitted as a warning or, for
   * AsyncBatchConsumer, given up on after the retries), dropped (refused: queue full or
   * closed), retried requests, queue depth, last error, and the spool's.
   */
  stats() {
    return this[NATIVE].stats();
  }
}

/**
 * `DefaultConsumer(url_prefix, request_timeout=None)`: one request per record. The request
 * is made on the consumer's own thread, never on the JS thread; a failure is emitted as a
 * process warning when it happens, counted in stats(), and rejects the next flush() or close().
 */
class DefaultConsumer extends HttpConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['requestTimeout']), 'DefaultConsumer');
    super(NativeConsumer.defaultConsumer(url(urlPrefix), timeout(o.requestTimeout), onFailure, network(o)));
  }
}

/**
 * `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: one request per `maxSize`
 * records (at most 50), sent on the consumer's own thread; failures are reported as
 * DefaultConsumer's.
 */
class BatchConsumer extends HttpConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['maxSize', 'requestTimeout']), 'BatchConsumer');
    super(NativeConsumer.batch(url(urlPrefix), number(o.maxSize, 'maxSize'), timeout(o.requestTimeout), spool(o), onFailure, network(o)));
  }
}

/**
 * The spool options (`spoolDir`, `spoolMaxBytes`, `spoolFsync`), passed as given: core owns
 * their defaults and rules. Without `spoolDir` there is no spool.
 */
function spool(o) {
  if (o.spoolDir === undefined || o.spoolDir === null) return undefined;
  return { spoolDir: String(o.spoolDir), spoolMaxBytes: number(o.spoolMaxBytes, 'spoolMaxBytes'), spoolFsync: given(o.spoolFsync, Boolean) };
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
class AsyncBatchConsumer extends HttpConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['flushMaxTime', 'flushSize', 'maxBatchSize', 'maxSize', 'requestTimeout']), 'AsyncBatchConsumer');
    super(NativeConsumer.asyncBatch(
      url(urlPrefix),
      number(o.flushMaxTime, 'flushMaxTime'),
      number(o.flushSize, 'flushSize'),
      number(o.maxBatchSize, 'maxBatchSize'),
      number(o.maxSize, 'maxSize'),
      timeout(o.requestTimeout),
      spool(o),
      network(o),
      onError(o.onError),
    ));
  }
}

/**
 * `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: each record to the
 * debug API (`Dry-Run` when `writeData` is false), verdicts printed on stdout. A rejected
 * record is a SensorsAnalyticsDebugException, reported as DefaultConsumer's failures.
 */
class DebugConsumer extends HttpConsumer {
  constructor(urlPrefix, ...args) {
    const o = options(params(args, ['writeData', 'requestTimeout']), 'DebugConsumer');
    super(NativeConsumer.debug(url(urlPrefix), given(o.writeData, Boolean), timeout(o.requestTimeout), onFailure, network(o)));
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
  spool,
  onError,
};
