// Types of the public API (index.js). The native half's types are generated into native.d.ts
// by @napi-rs/cli; this file describes the classes built on it.

/** A property value: string, number (integral = int, else float), boolean, Date (written in
 * local time), bigint within 64 bits, list of strings, or null/undefined. */
export type PropertyValue = string | number | boolean | Date | bigint | readonly string[] | null | undefined;

/** Properties of an event, profile or item: keys are names (`^[a-zA-Z_$][a-zA-Z0-9_$]{0,99}$`). */
export type Properties = { readonly [key: string]: PropertyValue };

/** What a client needs of a consumer: the SDK's consumers, or any object with these. */
export interface Consumer {
  /** Takes one record as a JSON line. */
  send(record: string): void;
  flush(): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface SensorsAnalyticsOptions {
  /** `project` of every record (a `$project` property overrides it). */
  projectName?: string | null;
  /** `time_free: true` on events and profiles. */
  enableTimeFree?: boolean;
  /** Capture `$lib_detail` (the caller's class, function, file and line): about 5 µs a call.
   * Default true. */
  libDetail?: boolean;
}

/** `SensorsAnalyticsIdentity(key, value)` of ID-Mapping 3.0. */
export declare class SensorsAnalyticsIdentity {
  static readonly LOGIN_ID: '$identity_login_id';
  static readonly MOBILE: '$identity_mobile';
  static readonly EMAIL: '$identity_email';
  constructor(key: string, value: string);
  key: string;
  value: string;
}

type Identities = SensorsAnalyticsIdentity[] | [SensorsAnalyticsIdentity[]];

/** The client: the methods of the reference SDK in camelCase. Methods throw
 * SensorsAnalyticsIllegalDataException for bad input; flush() and close() return Promises. */
export declare class SensorsAnalytics {
  constructor(consumer: Consumer, options?: SensorsAnalyticsOptions);
  track(distinctId: string | number, eventName: string, properties?: Properties | null, isLoginId?: boolean): void;
  trackSignup(distinctId: string | number, originalId: string | number, properties?: Properties | null): void;
  profileSet(distinctId: string | number, profiles: Properties | null, isLoginId?: boolean): void;
  profileSetOnce(distinctId: string | number, profiles: Properties | null, isLoginId?: boolean): void;
  profileIncrement(distinctId: string | number, profiles: { readonly [key: string]: number | bigint }, isLoginId?: boolean): void;
  profileAppend(distinctId: string | number, profiles: { readonly [key: string]: readonly string[] }, isLoginId?: boolean): void;
  /** `profileKeys`: the keys to unset, or an object whose keys are unset. */
  profileUnset(distinctId: string | number, profileKeys: readonly string[] | Properties | null, isLoginId?: boolean): void;
  profileDelete(distinctId: string | number, isLoginId?: boolean): void;
  itemSet(itemType: string, itemId: string | number, properties?: Properties | null): void;
  itemDelete(itemType: string, itemId: string | number, properties?: Properties | null): void;
  registerSuperProperties(properties: Properties): void;
  clearSuperProperties(): void;
  /** At least two identities, as arguments or as one array. */
  bind(...identities: Identities): void;
  unbind(identity: SensorsAnalyticsIdentity): void;
  trackById(eventName: string, properties: Properties | null, ...identities: Identities): void;
  profileSetById(properties: Properties, ...identities: Identities): void;
  profileSetOnceById(properties: Properties, ...identities: Identities): void;
  profileIncrementById(properties: { readonly [key: string]: number | bigint }, ...identities: Identities): void;
  profileAppendById(properties: { readonly [key: string]: readonly string[] }, ...identities: Identities): void;
  profileUnsetById(profileKeys: readonly string[], ...identities: Identities): void;
  profileDeleteById(...identities: Identities): void;
  /** Writes or sends what the consumer buffers, off the JS thread. */
  flush(): Promise<void>;
  /** Flushes and releases the consumer. */
  close(): Promise<void>;
}

/** The SDK's consumers: native, so a client hands them records without leaving native code. */
declare abstract class NativeBackedConsumer implements Consumer {
  send(record: string): void;
  /** Writes or sends what is buffered, off the JS thread. */
  flush(): Promise<void>;
  /** Flushes and releases the consumer, off the JS thread. */
  close(): Promise<void>;
}

export interface HttpOptions extends NetworkOptions {
  /** Per request, in milliseconds. */
  requestTimeout?: number;
}

/** How every HTTP consumer connects (README: "Network"); the core checks each option and a
 * bad one throws SensorsAnalyticsIllegalDataException from the constructor. */
export interface NetworkOptions {
  /** A PEM file of CA certificates trusted in addition to the system's (and SSL_CERT_FILE's). */
  caFile?: string;
  /** `http://[user:pass@]host:port`, used instead of the environment's https_proxy/http_proxy
   * (no_proxy still applies). */
  proxy?: string;
  /** Sent with every request, in this order. The SDK's own Content-Type, User-Agent and
   * Dry-Run cannot be replaced. */
  headers?: Record<string, string> | Array<[string, string]>;
  /** false sends plain Base64 JSON with gzip=0 (default true). */
  gzip?: boolean;
}

/** One request per record, made on the consumer's own thread. A failure is emitted as a
 * process warning (the SDK's error) when it happens, counted in stats(), and rejects the next
 * flush() or close(). */
export declare class DefaultConsumer extends NativeBackedConsumer {
  constructor(urlPrefix: string, options?: HttpOptions);
  /** The Python SDK's parameters in order: `DefaultConsumer(url_prefix, request_timeout)`. */
  constructor(urlPrefix: string, requestTimeout?: number | null, options?: NetworkOptions);
  /** The counters of records sent, failed, refused and waiting. */
  stats(): ConsumerStats;
}

/** The on-disk spool of BatchConsumer, AsyncBatchConsumer and KafkaConsumer (README: "Durable delivery"). */
export interface SpoolOptions {
  /** Every record is written here first and sent from there; what an earlier process left
   * is sent too. No spool unless given. */
  spoolDir?: string;
  /** When the spool holds this many bytes, track() throws SensorsAnalyticsNetworkException
   * (1 GiB). */
  spoolMaxBytes?: number;
  /** fdatasync after every write (false). */
  spoolFsync?: boolean;
}

/** One request per `maxSize` records (default 50, at most 50), on the consumer's own thread;
 * failures are reported as DefaultConsumer's. */
export declare class BatchConsumer extends NativeBackedConsumer {
  constructor(urlPrefix: string, options?: HttpOptions & SpoolOptions & { maxSize?: number });
  /** The Python SDK's parameters in order: `BatchConsumer(url_prefix, max_size, request_timeout)`,
   * then optionally the spool options. */
  constructor(
    urlPrefix: string,
    maxSize?: number | null,
    requestTimeout?: number | null,
    options?: SpoolOptions & NetworkOptions,
  );
  /** The counters of records sent, given up on, refused, waiting and spooled. */
  stats(): ConsumerStats;
}

export interface AsyncBatchOptions extends HttpOptions, SpoolOptions {
  /** Seconds a record may wait before its batch is sent (3). */
  flushMaxTime?: number;
  /** Send as soon as this many records wait (20). */
  flushSize?: number;
  /** Records per request at most (100). */
  maxBatchSize?: number;
  /** Queue capacity; track() throws SensorsAnalyticsNetworkException when full (1000). */
  maxSize?: number;
  /** Called on the JS thread with every batch given up on (a final answer such as 400, retries
   * run out, the close bound) and the error a call would have thrown; each is also warned
   * about on stderr and counted in stats().failed. */
  onError?: (records: string[], error: Error) => void;
}

/** Batches sent by a background thread, retried with backoff. */
/** Counters of an HTTP consumer: nothing is lost silently. */
export interface ConsumerStats {
  /** Records delivered (2xx). */
  sent: number;
  /** Records that failed (AsyncBatchConsumer: given up on after the retries), each also
   * reported when it happened (a process warning, or a warning on stderr). */
  failed: number;
  /** Records refused by send: queue full, or consumer closed. */
  dropped: number;
  /** Requests repeated after a retryable failure. */
  retried: number;
  /** Records waiting to be sent. */
  queueDepth: number;
  /** The most recent failure's message. */
  lastError?: string;
  /** Records written to the spool. */
  spooled: number;
  /** Records delivered from spool files an earlier process left. */
  replayed: number;
  /** Bytes the spool holds now. */
  spoolBytes: number;
  /** Corrupt spool records skipped. */
  corrupt: number;
}

export declare class AsyncBatchConsumer extends NativeBackedConsumer {
  constructor(urlPrefix: string, options?: AsyncBatchOptions);
  /** The Python SDK's parameters in order: `AsyncBatchConsumer(url_prefix, flush_max_time,
   * flush_size, max_batch_size, max_size, request_timeout)`. */
  constructor(
    urlPrefix: string,
    flushMaxTime?: number | null,
    flushSize?: number | null,
    maxBatchSize?: number | null,
    maxSize?: number | null,
    requestTimeout?: number | null,
    options?: SpoolOptions & NetworkOptions & Pick<AsyncBatchOptions, 'onError'>,
  );
  /** The counters of records sent, given up on, refused and waiting. */
  stats(): ConsumerStats;
}

/** KafkaConsumer's options: librdkafka's queue in records (100000), librdkafka settings, and
 * the spool: with `spoolDir`, what librdkafka cannot deliver waits there and is produced
 * again when the broker is back. */
export interface KafkaOptions extends SpoolOptions {
  maxSize?: number;
  settings?: Record<string, string | number | boolean>;
  /** Called on the JS thread with every record given up on outside flush()/close() (without a
   * spool: the broker did not take it within `message.timeout.ms`) and the error a call would
   * have thrown; each is also warned about on stderr and counted in stats().failed. */
  onError?: (records: string[], error: Error) => void;
}

/** Each record as one message on a Kafka topic, keyed by distinct_id (lib/kafka_consumer.js). */
export declare class KafkaConsumer extends NativeBackedConsumer {
  constructor(bootstrapServers: string, topic: string, options?: KafkaOptions);
  /** The counters of records acknowledged, given up on, refused and waiting. */
  stats(): ConsumerStats;
}

/** Each record to the debug API, verdicts on stdout; a rejected record is a
 * SensorsAnalyticsDebugException, reported as DefaultConsumer's failures. */
export declare class DebugConsumer extends NativeBackedConsumer {
  constructor(urlPrefix: string, options?: HttpOptions & { writeData?: boolean });
  /** The Python SDK's parameters in order: `DebugConsumer(url_prefix, write_data, request_timeout)`. */
  constructor(urlPrefix: string, writeData?: boolean | null, requestTimeout?: number | null, options?: NetworkOptions);
  /** The counters of records sent, failed, refused and waiting. */
  stats(): ConsumerStats;
}

/** One JSON line per record on stdout. */
export declare class ConsoleConsumer extends NativeBackedConsumer {
  constructor();
}

/** LoggingConsumer's `when`: Python's TimedRotatingFileHandler intervals. */
export type RolloverInterval = 'S' | 'M' | 'H' | 'D' | 'midnight' | `W${0 | 1 | 2 | 3 | 4 | 5 | 6}` | (string & {});

/** Appends to the file `prefix`, rotated on time like Python's TimedRotatingFileHandler. */
export declare class LoggingConsumer extends NativeBackedConsumer {
  constructor(prefix: string, options?: { backupCount?: number; when?: RolloverInterval });
  /** The Python SDK's parameters in order: `LoggingConsumer(prefix, backupCount, when)`. */
  constructor(prefix: string, backupCount?: number | null, when?: RolloverInterval | null);
}

/** Appends to `prefix.YYYY-MM-DD` under an exclusive lock, for many processes at once. */
export declare class ConcurrentLoggingConsumer extends NativeBackedConsumer {
  constructor(prefix: string, options?: { bufferSize?: number });
  /** The Python SDK's parameters in order: `ConcurrentLoggingConsumer(prefix, bufferSize)`. */
  constructor(prefix: string, bufferSize?: number | null);
}

/** For your own unit tests: keeps every record in memory (nothing is written or sent). */
export declare class RecordingConsumer extends NativeBackedConsumer {
  constructor();
  /** The records so far, oldest first, each parsed with JSON.parse. */
  readonly records: Array<{ [key: string]: any }>;
  /** The records so far as the JSON lines another consumer would write or send. */
  readonly lines: string[];
  /** The `track` records of event `name`, oldest first. */
  events(name: string): Array<{ [key: string]: any }>;
  /** How many records are kept. */
  readonly length: number;
  /** Whether close() was called (by the client's close(), typically). */
  readonly closed: boolean;
  /** Forgets the records so far. */
  clear(): void;
}

export declare class SensorsAnalyticsException extends Error {}
/** Bad input: names, ids, values, identities. */
export declare class SensorsAnalyticsIllegalDataException extends SensorsAnalyticsException {}
/** A send failed, or the send queue was full. */
export declare class SensorsAnalyticsNetworkException extends SensorsAnalyticsException {}
/** ConcurrentLoggingConsumer could not lock or write its file. */
export declare class SensorsAnalyticsFileLockException extends SensorsAnalyticsException {}
/** DebugConsumer: the server rejected a record. Not a SensorsAnalyticsException (as in Python). */
export declare class SensorsAnalyticsDebugException extends Error {}

/** The SDK version, written as `$lib_version`. */
export declare const SDK_VERSION: string;
