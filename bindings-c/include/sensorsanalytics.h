/*
 * sensorsanalytics.h: the Sensors Analytics (神策分析) server-side SDK for C and C++.
 *
 * The API is the official Python SDK's (SensorsAnalyticsSDK 1.11.0) with an `sa_` prefix, and
 * the records it writes are the same, byte for byte where the Python SDK is right (see the
 * project's docs/SPEC.md). `$lib` is "C"; `$lib_detail` names your call site.
 *
 *   #include <sensorsanalytics.h>
 *
 *   sa_consumer *consumer = NULL;
 *   sa_client *sa = NULL;
 *   sa_properties *props = NULL;
 *   if (sa_consumer_concurrent_logging_new("/var/log/sa/events", 8192, &consumer) != SA_OK) {
 *       fprintf(stderr, "%s\n", sa_last_error_message());
 *       return 1;
 *   }
 *   sa_new(consumer, "default", false, &sa);
 *   sa_consumer_free(consumer);             // the client holds its own reference
 *   sa_properties_new(&props);
 *   sa_properties_set_string(props, "product_id", "p-1");
 *   sa_properties_set_double(props, "price", 12.5);
 *   if (sa_track(sa, "user-1", "ViewProduct", props, false) != SA_OK)
 *       fprintf(stderr, "track: %s\n", sa_last_error_message());
 *   sa_properties_free(props);
 *   sa_close(sa);                           // flush and close the consumer
 *   sa_free(sa);
 *
 * Build with `cc prog.c $(pkg-config --cflags --libs sensorsanalytics)` (shared library). For
 * the static one, link <libdir>/libsensorsanalytics.a and the system libraries listed under
 * Libs.private in sensorsanalytics.pc (-lpthread -ldl -lm ... on Linux). CMake:
 * find_package(sensorsanalytics CONFIG REQUIRED), then link sensorsanalytics::sensorsanalytics
 * (shared) or sensorsanalytics::sensorsanalytics_static.
 *
 * VALGRIND: a program that only tracks reports no leak. One block of 48 bytes may show as
 * "possibly lost" once a thread of yours has woken the library's writer or sender thread
 * while it waited (a matter of timing): Rust's standard library's handle for that thread,
 * kept for the thread's life. `make install` puts a suppression for it, and nothing else, in
 * <prefix>/share/sensorsanalytics/sensorsanalytics.supp (valgrind --suppressions=...).
 *
 * CONSUMERS (where records go; Python's class names)
 *   sa_consumer_console_new             ConsoleConsumer: one JSON line per record on stdout
 *   sa_consumer_logging_new             LoggingConsumer: a file rotated by time
 *   sa_consumer_concurrent_logging_new  ConcurrentLoggingConsumer: prefix.YYYY-MM-DD, shared by
 *                                       processes (what LogAgent tails)
 *   sa_consumer_default_new             DefaultConsumer: one HTTP request per record
 *   sa_consumer_batch_new               BatchConsumer: synchronous batches of up to 50
 *   sa_consumer_async_batch_new         AsyncBatchConsumer: a queue and background senders
 *   sa_consumer_debug_new               DebugConsumer: the server's debug endpoint
 *   sa_consumer_custom_new              your own C functions
 *   sa_recording_new, _consumer         RecordingConsumer: records kept in memory, for your
 *                                       own tests (sa_recording_count, sa_recording_get)
 *   The HTTP consumers retry what can succeed later and count what they sent, gave up on or
 *   dropped (sa_consumer_get_stats): nothing is lost silently.
 *
 * OBJECTS AND OWNERSHIP
 *   Four opaque types, each made by a `*_new` function that stores it in its last argument
 *   (`out`, never left dangling: NULL on failure) and released by its own free function:
 *     sa_consumer    sa_consumer_*_new()  -> sa_consumer_free()   (a counted reference)
 *     sa_client      sa_new()             -> sa_close(), then sa_free()
 *     sa_properties  sa_properties_new()  -> sa_properties_free()
 *     sa_identity    sa_identity_new()    -> sa_identity_free()
 *   The caller owns what it created and frees it exactly once; free functions accept NULL.
 *   Every `const char *` argument is a NUL-terminated UTF-8 string that the library only reads
 *   during the call: it copies what it keeps (super properties, map entries, identities,
 *   project name, file names). Maps, identities and arrays passed to a call are likewise only
 *   read during the call and may be changed or freed as soon as it returns.
 *   Strings the library returns (sa_last_error_message, sa_error_name, sa_version) belong to
 *   the library: never free them.
 *
 * NULL
 *   A pointer parameter may be NULL only where its documentation says so (properties of a
 *   call, project_name, empty arrays). Any other NULL, and any string that is not valid UTF-8,
 *   is SA_ERR_INVALID_ARGUMENT: a mistake in the program, reported, never a crash.
 *   A dangling or otherwise invalid non-NULL pointer cannot be detected and is undefined
 *   behaviour, as everywhere in C.
 *
 * ERRORS
 *   Every function returns an `int`: SA_OK (0), or one of the SA_ERR_* codes below, except
 *   the free functions (void) and the three that return static strings. The first four codes
 *   are the exceptions of the Python SDK; their messages are the Python SDK's, word for word.
 *   After a failure, sa_last_error_message() holds the message and sa_last_error_code() the
 *   code, per thread; a successful call leaves them as they were (as errno).
 *   A call that fails writes no record. No panic (Rust's internal error) ever unwinds into
 *   C: it becomes SA_ERR_PANIC.
 *
 * THREADS
 *   sa_client: every function may be called on one client from any number of threads at
 *   once, except sa_free(), which must come after all other calls on it have returned.
 *   sa_consumer: a handle may be given to sa_new() from several threads; sa_consumer_free()
 *   must not race with another call using the same handle.
 *   sa_properties: not synchronized. One thread may build a map while no one else uses it;
 *   once built, the same map may be passed to calls on many threads at once as long as no
 *   thread modifies it meanwhile.
 *   sa_identity: immutable once made; share it freely.
 *   The last error is per thread, so reading it is always safe.
 *
 * SHUTDOWN ORDER
 *   1. Stop calling the client from other threads.
 *   2. sa_close(client): flushes buffered records and closes the consumer. It reports a
 *      failure to write or send, which sa_free() alone would also report.
 *   3. sa_free(client). A client not closed is closed here, so forgetting step 2 loses
 *      nothing; records buffered when the process exits without either are lost.
 *   Consumer handles, maps and identities may be freed at any time after the calls that use
 *   them, before or after the client.
 *
 * C++
 *   The header compiles as C++ (declarations are extern "C"). A consumer callback must not
 *   let an exception escape (the process would abort).
 *
 * CALL SITES
 *   The functions that write a record are declared as `sa_<method>_at(file, function, line,
 *   ...)`; the macros below (`sa_track(...)` and so on) pass __FILE__,
 *   __func__ and __LINE__, which become `$lib_detail` ("##function##file##line"). Call the
 *   `_at` functions directly to pass another location (a wrapper's caller), or NULL file and
 *   function for no `$lib_detail`.
 */


#ifndef SENSORSANALYTICS_H
#define SENSORSANALYTICS_H

/* Generated by cbindgen from bindings-c/src and bindings-c/cbindgen.toml: do not edit.
   Regenerate with `make -C bindings-c header`. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The identity keys of ID-Mapping 3.0 (sa_identity_new). SA_IDENTITY_LOGIN_ID makes the
   record's distinct_id and adds "$is_login_id": true. */
#define SA_IDENTITY_LOGIN_ID "$identity_login_id"
#define SA_IDENTITY_MOBILE "$identity_mobile"
#define SA_IDENTITY_EMAIL "$identity_email"

/*
 * Call-site macros (declared before the functions they call, which is fine for macros):
 * sa_track(client, distinct_id, event_name, properties, is_login_id) is
 * sa_track_at(__FILE__, __func__, __LINE__, client, ...), and so on for every method that
 * writes a record. Their arguments are those of the `_at` function without the first three.
 */
#define SA_HERE __FILE__, __func__, __LINE__
#define sa_track(...) sa_track_at(SA_HERE, __VA_ARGS__)
#define sa_track_signup(...) sa_track_signup_at(SA_HERE, __VA_ARGS__)
#define sa_profile_set(...) sa_profile_set_at(SA_HERE, __VA_ARGS__)
#define sa_profile_set_once(...) sa_profile_set_once_at(SA_HERE, __VA_ARGS__)
#define sa_profile_increment(...) sa_profile_increment_at(SA_HERE, __VA_ARGS__)
#define sa_profile_append(...) sa_profile_append_at(SA_HERE, __VA_ARGS__)
#define sa_profile_unset(...) sa_profile_unset_at(SA_HERE, __VA_ARGS__)
#define sa_profile_delete(...) sa_profile_delete_at(SA_HERE, __VA_ARGS__)
#define sa_item_set(...) sa_item_set_at(SA_HERE, __VA_ARGS__)
#define sa_item_delete(...) sa_item_delete_at(SA_HERE, __VA_ARGS__)
#define sa_bind(...) sa_bind_at(SA_HERE, __VA_ARGS__)
#define sa_unbind(...) sa_unbind_at(SA_HERE, __VA_ARGS__)
#define sa_track_by_id(...) sa_track_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_set_by_id(...) sa_profile_set_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_set_once_by_id(...) sa_profile_set_once_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_increment_by_id(...) sa_profile_increment_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_append_by_id(...) sa_profile_append_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_unset_by_id(...) sa_profile_unset_by_id_at(SA_HERE, __VA_ARGS__)
#define sa_profile_delete_by_id(...) sa_profile_delete_by_id_at(SA_HERE, __VA_ARGS__)


/**
 * Success.
 */
#define SA_OK 0

/**
 * Bad input: a name, id, value or identity the SDK refuses (SensorsAnalyticsIllegalDataException).
 */
#define SA_ERR_ILLEGAL_DATA 1

/**
 * Sending failed, or an asynchronous queue was full (SensorsAnalyticsNetworkException).
 */
#define SA_ERR_NETWORK 2

/**
 * A log file could not be opened, locked or written (SensorsAnalyticsFileLockException).
 */
#define SA_ERR_FILE_LOCK 3

/**
 * The debug endpoint answered with a status >= 300 (SensorsAnalyticsDebugException).
 */
#define SA_ERR_DEBUG 4

/**
 * A NULL pointer where one is required, a string that is not UTF-8, or an argument out of
 * range: a mistake in the calling program rather than in the data.
 */
#define SA_ERR_INVALID_ARGUMENT 5

/**
 * A bug inside the library was caught before it could unwind into C. The object involved
 * may be unusable; the process is not.
 */
#define SA_ERR_PANIC 6

/**
 * A client. It may be used from any number of threads at once, except sa_free().
 */
typedef struct sa_client sa_client;

/**
 * A consumer handle. A handle is a counted reference: sa_new() takes its own reference, so
 * the caller may free its handle at any time after sa_new() and the client keeps working.
 */
typedef struct sa_consumer sa_consumer;

/**
 * One identity: a key (a property name such as SA_IDENTITY_LOGIN_ID) and its value.
 */
typedef struct sa_identity sa_identity;

/**
 * An ordered property map. Keys keep the order they were first set in, which is the order
 * they are written in; setting a key again replaces its value in place.
 */
typedef struct sa_properties sa_properties;

/**
 * A recording: the records a client sent to its consumer, kept in memory.
 */
typedef struct sa_recording sa_recording;

/**
 * The functions of a consumer written in C. Each returns SA_OK, or an error code that the
 * client call which triggered it returns (SA_ERR_ILLEGAL_DATA, SA_ERR_FILE_LOCK and
 * SA_ERR_DEBUG keep their meaning; any other code is reported as SA_ERR_NETWORK).
 *
 * Thread safety: when the client is used from several threads, `send` is called from all
 * of them, concurrently: it must do its own locking. A callback must not throw a C++
 * exception or longjmp out (an exception reaching the library aborts the process). It may
 * call the client again (for example to track an event about a failure).
 */
typedef struct sa_consumer_callbacks {
    /**
     * Passed back as the first argument of every callback.
     */
    void *user_data;
    /**
     * Takes one record: `record` is the JSON text, NUL-terminated, `length` bytes long
     * without the NUL. The pointer is valid only during the call: copy what you keep.
     * Required.
     */
    int (*send)(void *user_data, const char *record, size_t length);
    /**
     * Called by sa_flush(). Optional (NULL: nothing to flush).
     */
    int (*flush)(void *user_data);
    /**
     * Called by sa_close() and by sa_free() when the client was not closed. Optional (NULL:
     * flush is called instead).
     */
    int (*close)(void *user_data);
    /**
     * Called once when the last reference to the consumer goes away (the handle and every
     * client using it freed): release `user_data` here. Optional.
     */
    void (*release)(void *user_data);
} sa_consumer_callbacks;

/**
 * The network options of an HTTP consumer, filled with the defaults by the consumer's
 * options `_init` function (everything NULL, `gzip` true): the system's CAs plus
 * SSL_CERT_FILE/SSL_CERT_DIR, the proxies of http_proxy/https_proxy/no_proxy, no extra
 * header. Strings are copied at construction. A bad value (a ca_file without a certificate,
 * a header with CR or LF, a header the SDK sets itself) is SA_ERR_ILLEGAL_DATA from the
 * constructor.
 */
typedef struct sa_network_options {
    /**
     * Optional (NULL): a PEM file of CA certificates trusted in addition to the system's.
     */
    const char *ca_file;
    /**
     * Optional (NULL): `http://[user:pass@]host:port`, used for every request instead of the
     * environment's proxies (no_proxy still applies). Credentials never appear in messages.
     */
    const char *proxy;
    /**
     * `header_count` headers sent with every request, in order, each as curl takes them:
     * `"Name: value"`. Content-Type, Content-Encoding, User-Agent, Dry-Run, Host,
     * Content-Length, Transfer-Encoding and Connection are the SDK's and are refused.
     */
    const char *const *headers;
    size_t header_count;
    /**
     * false sends plain Base64 JSON with `gzip=0` (true).
     */
    bool gzip;
} sa_network_options;

/**
 * The parameters of sa_consumer_default_new_with(). Fill it with sa_default_options_init(),
 * then change what you need.
 */
typedef struct sa_default_options {
    /**
     * Per request; 0 is the transport's default (30 s).
     */
    uint64_t request_timeout_ms;
    /**
     * CAs, proxy, headers, gzip.
     */
    struct sa_network_options network;
} sa_default_options;

/**
 * The parameters of sa_consumer_batch_new_with(). Fill it with sa_batch_options_init(),
 * then change what you need.
 */
typedef struct sa_batch_options {
    /**
     * Records per request (50, also the cap; 0 counts as 1).
     */
    size_t max_size;
    /**
     * Per request; 0 is the transport's default (30 s).
     */
    uint64_t request_timeout_ms;
    /**
     * As in sa_async_batch_options: NULL for no spool. With a spool, a call waits for one
     * attempt at most, never for a receiver known to be down, and a spooled batch is not
     * an error.
     */
    const char *spool_dir;
    uint64_t spool_max_bytes;
    bool spool_fsync;
    /**
     * CAs, proxy, headers, gzip.
     *
     * There is no on_give_up here: BatchConsumer gives up on nothing silently. Without a
     * spool, a batch that fails is SA_ERR_NETWORK from the call that sent it and stays
     * buffered for the next; with one, what fails for good is counted in the error of the
     * sa_flush()/sa_close() that waited for it.
     */
    struct sa_network_options network;
} sa_batch_options;

/**
 * Told of every batch the asynchronous consumer gives up on, on one of its sender threads:
 * the `count` records (JSON texts, valid only during the call), and the error's code and
 * message. It must not throw; it must not call sa_close()/sa_free() of a client using this
 * consumer.
 */
typedef void (*sa_give_up_fn)(void *user_data,
                              const char *const *records,
                              size_t count,
                              int code,
                              const char *message);

/**
 * The parameters of sa_consumer_async_batch_new(). Fill it with sa_async_batch_options_init()
 * (the defaults of the Python SDK and of the core), then change what you need.
 */
typedef struct sa_async_batch_options {
    /**
     * Send when the oldest waiting record has waited this long (Python's flush_max_time, 3 s).
     */
    uint64_t flush_max_time_ms;
    /**
     * Send as soon as this many records wait (20).
     */
    size_t flush_size;
    /**
     * Records per request at most (100). Zero counts as 1 here and in the two below.
     */
    size_t max_batch_size;
    /**
     * The queue's capacity: a record that finds it full is SA_ERR_NETWORK (1000).
     */
    size_t max_size;
    /**
     * Per request; 0 is the transport's default (30 s).
     */
    uint64_t request_timeout_ms;
    /**
     * Requests under way at once (2).
     */
    size_t max_in_flight;
    /**
     * How long sa_flush() waits for what was queued before it (10 s).
     */
    uint64_t flush_timeout_ms;
    /**
     * How long sa_close() waits for the queue to drain before giving up on the rest (10 s).
     */
    uint64_t close_timeout_ms;
    /**
     * Optional (NULL): told of every batch given up on.
     */
    sa_give_up_fn on_give_up;
    /**
     * Passed to on_give_up; must stay valid as long as the consumer lives.
     */
    void *user_data;
    /**
     * Optional (NULL: no spool): a directory where every record is written first and sent
     * from, so that none is lost to an outage, a close bound, an exit or a crash; what an
     * earlier process left there is sent too. Copied at construction.
     */
    const char *spool_dir;
    /**
     * When the spool holds this many bytes, tracking is SA_ERR_NETWORK; 0: core's default
     * (1 GiB).
     */
    uint64_t spool_max_bytes;
    /**
     * fdatasync() the spool after every write (power-loss safety, at a disk flush's cost).
     */
    bool spool_fsync;
    /**
     * CAs, proxy, headers, gzip.
     */
    struct sa_network_options network;
} sa_async_batch_options;

/**
 * The parameters of sa_consumer_debug_new_with(). Fill it with sa_debug_options_init(),
 * then change what you need.
 */
typedef struct sa_debug_options {
    /**
     * false: the server only checks (`Dry-Run: true`) (true).
     */
    bool write_data;
    /**
     * Per request; 0 is the transport's default (30 s).
     */
    uint64_t request_timeout_ms;
    /**
     * CAs, proxy, headers, gzip.
     */
    struct sa_network_options network;
} sa_debug_options;

/**
 * Counters of an HTTP consumer (records, unless said otherwise): nothing is lost silently.
 */
typedef struct sa_consumer_stats {
    /**
     * Delivered: the server answered 2xx.
     */
    uint64_t sent;
    /**
     * Given up on after the retries, and reported by an error code or on_give_up.
     */
    uint64_t failed;
    /**
     * Refused when tracked (queue full, consumer closed): the call returned SA_ERR_NETWORK.
     */
    uint64_t dropped;
    /**
     * Requests repeated after a retryable failure (requests, not records).
     */
    uint64_t retried;
    /**
     * Waiting to be sent.
     */
    size_t queue_depth;
    /**
     * In requests under way.
     */
    size_t in_flight;
    /**
     * Records written to the spool (spool_dir).
     */
    uint64_t spooled;
    /**
     * Records delivered from spool files an earlier process left.
     */
    uint64_t replayed;
    /**
     * Bytes the spool holds now.
     */
    uint64_t spool_bytes;
    /**
     * Corrupt spool records skipped (a torn tail, damage).
     */
    uint64_t corrupt;
} sa_consumer_stats;

/**
 * The parameters of sa_consumer_kafka_new(). Fill it with sa_kafka_options_init() (the
 * core's defaults), then change what you need.
 */
typedef struct sa_kafka_options {
    /**
     * librdkafka's queue, in records: a record that finds it full is SA_ERR_NETWORK
     * (100000; 0 counts as 1).
     */
    size_t max_size;
    /**
     * Optional (NULL): librdkafka settings as `settings_len` pairs, key then value
     * (`{"sasl.username", "me", "linger.ms", "10"}`), applied after the SDK's (acks=all,
     * idempotence, lz4). Copied at construction.
     */
    const char *const *settings;
    /**
     * The number of key/value pairs in `settings`.
     */
    size_t settings_len;
    /**
     * How long sa_flush() waits for delivery (10 s).
     */
    uint64_t flush_timeout_ms;
    /**
     * How long sa_close() waits for delivery before giving up on the rest (10 s).
     */
    uint64_t close_timeout_ms;
    /**
     * Optional (NULL): told of every record given up on (one per call), on a librdkafka
     * thread or the thread in sa_flush()/sa_close().
     */
    sa_give_up_fn on_give_up;
    /**
     * Passed to on_give_up; must stay valid as long as the consumer lives.
     */
    void *user_data;
    /**
     * Optional (NULL: no spool): a directory where what librdkafka cannot deliver is written
     * instead of being given up on (records the broker did not take within
     * message.timeout.ms, records meeting a full queue, what sa_close()'s bound leaves), and
     * produced again when the broker is back, by this process or the next one that opens
     * the directory. Copied at construction.
     */
    const char *spool_dir;
    /**
     * When the spool holds this many bytes, records are given up on; 0: core's default
     * (1 GiB).
     */
    uint64_t spool_max_bytes;
    /**
     * fdatasync() the spool after every write.
     */
    bool spool_fsync;
} sa_kafka_options;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The message of the last call that failed on the calling thread, or "" if none has.
 *
 * Ownership: the string belongs to the library. It stays valid and unchanged until the next
 * call on this thread that fails (successful calls leave it as it is, like `errno`); copy it
 * to keep it longer. Never NULL. Other threads' failures do not touch it.
 */
const char *sa_last_error_message(void);

/**
 * The code of the last call that failed on the calling thread, or SA_OK if none has.
 */
int sa_last_error_code(void);

/**
 * A constant name for an error code: "OK", "IllegalData", "Network", "FileLock", "Debug",
 * "InvalidArgument", "Panic", or "Unknown". The first five kinds are spelled as in the shared
 * test vectors. Static storage: never free it.
 */
const char *sa_error_name(int code);

/**
 * Creates an empty map in `*out`; free it with sa_properties_free(). Calls that take a map
 * only read it during the call; it can be reused or freed right after.
 */
int sa_properties_new(struct sa_properties **out);

/**
 * Frees a map from sa_properties_new(). NULL is ignored.
 */
void sa_properties_free(struct sa_properties *properties);

/**
 * Sets `key` to a string (copied). A NULL `value` is SA_ERR_INVALID_ARGUMENT: use
 * sa_properties_set_null() for null.
 */
int sa_properties_set_string(struct sa_properties *properties, const char *key, const char *value);

/**
 * Sets `key` to an integer.
 */
int sa_properties_set_int(struct sa_properties *properties, const char *key, int64_t value);

/**
 * Sets `key` to a floating-point number. NaN and infinities are accepted here and refused
 * (SA_ERR_ILLEGAL_DATA) by the call that uses the map, as JSON cannot hold them.
 */
int sa_properties_set_double(struct sa_properties *properties, const char *key, double value);

/**
 * Sets `key` to a boolean (written as true/false, never as a number).
 */
int sa_properties_set_bool(struct sa_properties *properties, const char *key, bool value);

/**
 * Sets `key` to null (Python's None).
 */
int sa_properties_set_null(struct sa_properties *properties, const char *key);

/**
 * Sets `key` to an aware datetime: the instant `epoch_ms` (milliseconds since 1970-01-01 UTC)
 * seen in the zone `utc_offset_minutes` east of UTC (e.g. 480 for +08:00, -300 for -05:00).
 * It is written as that zone's wall clock, `yyyy-MM-dd HH:mm:ss.SSS`. An offset of 24 hours
 * or more either way is SA_ERR_INVALID_ARGUMENT. As `$time`, the instant itself is used.
 */
int sa_properties_set_datetime(struct sa_properties *properties,
                               const char *key,
                               int64_t epoch_ms,
                               int utc_offset_minutes);

/**
 * Sets `key` to a naive datetime in the process's local time zone (Python's naive
 * `datetime`): the instant `epoch_ms` is turned into the local wall clock now, with the
 * zone in effect (the TZ variable) for that instant.
 */
int sa_properties_set_local_datetime(struct sa_properties *properties,
                                     const char *key,
                                     int64_t epoch_ms);

/**
 * Sets `key` to a calendar date, written `yyyy-MM-dd`. `month` is 1-12, `day` 1-31; a date
 * that does not exist (2023-02-29) is SA_ERR_INVALID_ARGUMENT.
 */
int sa_properties_set_date(struct sa_properties *properties,
                           const char *key,
                           int year,
                           int month,
                           int day);

/**
 * Sets `key` to a list of `count` strings (copied); `count` 0 (with `items` NULL or not)
 * sets the empty list.
 */
int sa_properties_set_string_list(struct sa_properties *properties,
                                  const char *key,
                                  const char *const *items,
                                  size_t count);

/**
 * Appends one string (copied) to the list at `key`, creating the list if `key` is not set.
 * If `key` holds something other than a list, nothing changes and SA_ERR_INVALID_ARGUMENT
 * is returned.
 */
int sa_properties_append_string(struct sa_properties *properties,
                                const char *key,
                                const char *value);

/**
 * Removes `key` if it is set; the other keys keep their order.
 */
int sa_properties_remove(struct sa_properties *properties, const char *key);

/**
 * Removes every key, keeping the map for reuse.
 */
int sa_properties_clear(struct sa_properties *properties);

/**
 * Creates an identity in `*out`, copying `key` and `value`. Only NULL and UTF-8 are checked
 * here; the key's name rules and the value's length are checked by the call that uses it,
 * with the reference's messages. Free it with sa_identity_free().
 */
int sa_identity_new(const char *key, const char *value, struct sa_identity **out);

/**
 * Frees an identity from sa_identity_new(). NULL is ignored.
 */
void sa_identity_free(struct sa_identity *identity);

/**
 * ConsoleConsumer(): writes each record as one line to standard output.
 */
int sa_consumer_console_new(struct sa_consumer **out);

/**
 * LoggingConsumer(prefix, backupCount, when): appends records to the file `prefix` and
 * rotates it by time as Python's TimedRotatingFileHandler: `when` is "S", "M", "H", "D",
 * "midnight" (Python's default) or "W0".."W6"; `backup_count` > 0 keeps that many rotated
 * files (Python's default 0 keeps all). The file is opened now: a path that cannot be
 * opened is SA_ERR_FILE_LOCK; a bad `when` is SA_ERR_ILLEGAL_DATA.
 * Records are buffered: sa_flush() writes them out.
 */
int sa_consumer_logging_new(const char *prefix,
                            size_t backup_count,
                            const char *when,
                            struct sa_consumer **out);

/**
 * ConcurrentLoggingConsumer(prefix, bufferSize): appends to `prefix.YYYY-MM-DD` (the local
 * date when written). Records are buffered and written when more than `buffer_size` wait
 * (Python's default is 8192), and by sa_flush()/sa_close(); each block is written under an
 * exclusive flock so that many processes can share the file. The file is opened now.
 * Failures to open, lock or write are SA_ERR_FILE_LOCK.
 */
int sa_consumer_concurrent_logging_new(const char *prefix,
                                       size_t buffer_size,
                                       struct sa_consumer **out);

/**
 * A consumer that calls C functions: the way to send records somewhere the library does
 * not know (a message queue, a test's capture buffer). `callbacks` is copied; `send` must
 * not be NULL (SA_ERR_INVALID_ARGUMENT, and `release` is not called).
 */
int sa_consumer_custom_new(const struct sa_consumer_callbacks *callbacks, struct sa_consumer **out);

/**
 * Releases the caller's reference to a consumer. A client made from it keeps its own
 * reference: the consumer lives until both are freed. NULL is ignored.
 */
void sa_consumer_free(struct sa_consumer *consumer);

/**
 * DefaultConsumer(url_prefix, request_timeout): sends each record in its own request,
 * synchronously; a failed send is SA_ERR_NETWORK from the call that tracked it. A URL that
 * is not http(s) is SA_ERR_ILLEGAL_DATA here.
 */
int sa_consumer_default_new(const char *url_prefix,
                            uint64_t request_timeout_ms,
                            struct sa_consumer **out);

/**
 * Fills `options` with the defaults.
 */
int sa_default_options_init(struct sa_default_options *options);

/**
 * DefaultConsumer with every parameter of `options` (NULL: the defaults), the network
 * options among them.
 */
int sa_consumer_default_new_with(const char *url_prefix,
                                 const struct sa_default_options *options,
                                 struct sa_consumer **out);

/**
 * BatchConsumer(url_prefix, max_size, request_timeout): buffers records and sends them
 * synchronously, `max_size` per request (Python's default 50, which is also the cap), from
 * the call that fills the buffer and from sa_flush()/sa_close(). Retries connection errors,
 * timeouts, 408, 429 and 5xx; a batch given up on stays buffered and is SA_ERR_NETWORK.
 */
int sa_consumer_batch_new(const char *url_prefix,
                          size_t max_size,
                          uint64_t request_timeout_ms,
                          struct sa_consumer **out);

/**
 * Fills `options` with the defaults.
 */
int sa_batch_options_init(struct sa_batch_options *options);

/**
 * BatchConsumer with every parameter of `options` (NULL: the defaults), the spool among
 * them.
 */
int sa_consumer_batch_new_with(const char *url_prefix,
                               const struct sa_batch_options *options,
                               struct sa_consumer **out);

/**
 * Fills `options` with the defaults.
 */
int sa_async_batch_options_init(struct sa_async_batch_options *options);

/**
 * AsyncBatchConsumer(url_prefix, flush_max_time, flush_size, max_batch_size, max_size,
 * request_timeout): tracking only queues the record; background threads send batches, with
 * retries. `options` may be NULL for the defaults. sa_flush() waits for what was queued
 * (SA_ERR_NETWORK if some of it was given up on or is still pending after flush_timeout_ms);
 * sa_close() drains the queue within close_timeout_ms. After fork(), the child sends
 * through threads of its own; what the parent queued stays the parent's.
 */
int sa_consumer_async_batch_new(const char *url_prefix,
                                const struct sa_async_batch_options *options,
                                struct sa_consumer **out);

/**
 * DebugConsumer(url_prefix, write_data, request_timeout): sends each record on its own to
 * the server's debug endpoint (the URL's last path segment becomes `debug`) and prints the
 * verdict on standard output; with `write_data` false the server only checks
 * (`Dry-Run: true`). A status of 300 or more is SA_ERR_DEBUG.
 */
int sa_consumer_debug_new(const char *url_prefix,
                          bool write_data,
                          uint64_t request_timeout_ms,
                          struct sa_consumer **out);

/**
 * Fills `options` with the defaults.
 */
int sa_debug_options_init(struct sa_debug_options *options);

/**
 * DebugConsumer with every parameter of `options` (NULL: the defaults), the network options
 * among them.
 */
int sa_consumer_debug_new_with(const char *url_prefix,
                               const struct sa_debug_options *options,
                               struct sa_consumer **out);

/**
 * Reads the counters of an HTTP consumer into `*out`. For a console, file or custom
 * consumer, SA_ERR_INVALID_ARGUMENT. Safe to call while clients use the consumer.
 */
int sa_consumer_get_stats(const struct sa_consumer *consumer, struct sa_consumer_stats *out);

/**
 * Fills `options` with the defaults.
 */
int sa_kafka_options_init(struct sa_kafka_options *options);

/**
 * KafkaConsumer(bootstrap_servers, topic): each record becomes one message on `topic`,
 * keyed by its distinct_id (item_type:item_id for items) so that one user's records stay
 * in order, with acks=all, idempotence and lz4. Tracking only queues the record; librdkafka
 * delivers and retries on its own threads (up to message.timeout.ms, 5 min). `options` may
 * be NULL for the defaults. A bad topic name or setting is SA_ERR_ILLEGAL_DATA; the broker
 * is not contacted here. sa_flush() waits for delivery (SA_ERR_NETWORK, naming the broker
 * and the last error, if records are still pending or were given up on); sa_close() waits
 * close_timeout_ms, then gives up on the rest (each told to on_give_up). After fork(), the
 * child produces through a producer of its own.
 */
int sa_consumer_kafka_new(const char *bootstrap_servers,
                          const char *topic,
                          const struct sa_kafka_options *options,
                          struct sa_consumer **out);

/**
 * Makes an empty recording in `*out`; free it with sa_recording_free().
 */
int sa_recording_new(struct sa_recording **out);

/**
 * Releases the caller's recording. Consumers made from it keep recording until freed.
 * NULL is ignored.
 */
void sa_recording_free(struct sa_recording *recording);

/**
 * A consumer handle in `*out` that keeps what it is sent in `recording`; give it to sa_new()
 * and free it with sa_consumer_free().
 */
int sa_recording_consumer(const struct sa_recording *recording, struct sa_consumer **out);

/**
 * The number of records kept, in `*out`.
 */
int sa_recording_count(const struct sa_recording *recording, size_t *out);

/**
 * The record at `index` (the oldest is 0) as its JSON line, copied into `buffer` (`size`
 * bytes) and NUL-terminated, as snprintf does: `*length` (if not NULL) gets the line's length
 * without the NUL, so a `*length >= size` means the copy was cut; `buffer` may be NULL when
 * `size` is 0, to ask for the length. An index past the last record is SA_ERR_ILLEGAL_DATA.
 */
int sa_recording_get(const struct sa_recording *recording,
                     size_t index,
                     char *buffer,
                     size_t size,
                     size_t *length);

/**
 * Forgets the records kept so far.
 */
int sa_recording_clear(const struct sa_recording *recording);

/**
 * Creates a client in `*out`: SensorsAnalytics(consumer, project_name, enable_time_free).
 * `project_name` may be NULL (the server's default project); it is copied. With
 * `enable_time_free`, every event and profile record carries `"time_free": true`. The client
 * takes its own reference to `consumer`, whose handle may be freed at once.
 */
int sa_new(const struct sa_consumer *consumer,
           const char *project_name,
           bool enable_time_free,
           struct sa_client **out);

/**
 * track(distinct_id, event_name, properties, is_login_id): an event. `properties` may be
 * NULL. Use the sa_track() macro, which passes the source location.
 */
int sa_track_at(const char *file,
                const char *function,
                int line,
                const struct sa_client *client,
                const char *distinct_id,
                const char *event_name,
                const struct sa_properties *properties,
                bool is_login_id);

/**
 * track_signup(distinct_id, original_id, properties): the `$SignUp` event linking an
 * anonymous id to a login id. `properties` may be NULL.
 */
int sa_track_signup_at(const char *file,
                       const char *function,
                       int line,
                       const struct sa_client *client,
                       const char *distinct_id,
                       const char *original_id,
                       const struct sa_properties *properties);

/**
 * profile_set(distinct_id, profiles, is_login_id): sets user profile properties.
 * `profiles` may be NULL (an empty update).
 */
int sa_profile_set_at(const char *file,
                      const char *function,
                      int line,
                      const struct sa_client *client,
                      const char *distinct_id,
                      const struct sa_properties *profiles,
                      bool is_login_id);

/**
 * profile_set_once(distinct_id, profiles, is_login_id): sets properties not set before.
 */
int sa_profile_set_once_at(const char *file,
                           const char *function,
                           int line,
                           const struct sa_client *client,
                           const char *distinct_id,
                           const struct sa_properties *profiles,
                           bool is_login_id);

/**
 * profile_increment(distinct_id, profiles, is_login_id): adds to numeric properties; every
 * value must be an integer (sa_properties_set_int), else SA_ERR_ILLEGAL_DATA.
 */
int sa_profile_increment_at(const char *file,
                            const char *function,
                            int line,
                            const struct sa_client *client,
                            const char *distinct_id,
                            const struct sa_properties *profiles,
                            bool is_login_id);

/**
 * profile_append(distinct_id, profiles, is_login_id): appends to list properties; every
 * value must be a string list (sa_properties_set_string_list / _append_string).
 */
int sa_profile_append_at(const char *file,
                         const char *function,
                         int line,
                         const struct sa_client *client,
                         const char *distinct_id,
                         const struct sa_properties *profiles,
                         bool is_login_id);

/**
 * profile_unset(distinct_id, profile_keys, is_login_id): removes the `count` properties
 * named in `keys` (NULL when `count` is 0).
 */
int sa_profile_unset_at(const char *file,
                        const char *function,
                        int line,
                        const struct sa_client *client,
                        const char *distinct_id,
                        const char *const *keys,
                        size_t count,
                        bool is_login_id);

/**
 * profile_delete(distinct_id, is_login_id): deletes the user's profile.
 */
int sa_profile_delete_at(const char *file,
                         const char *function,
                         int line,
                         const struct sa_client *client,
                         const char *distinct_id,
                         bool is_login_id);

/**
 * item_set(item_type, item_id, properties): sets an item's properties. `properties` may be
 * NULL. Items carry no super properties.
 */
int sa_item_set_at(const char *file,
                   const char *function,
                   int line,
                   const struct sa_client *client,
                   const char *item_type,
                   const char *item_id,
                   const struct sa_properties *properties);

/**
 * item_delete(item_type, item_id, properties): deletes an item. `properties` may be NULL.
 */
int sa_item_delete_at(const char *file,
                      const char *function,
                      int line,
                      const struct sa_client *client,
                      const char *item_type,
                      const char *item_id,
                      const struct sa_properties *properties);

/**
 * bind(first_identity, second_identity, *more): links `count` (at least 2) identities of
 * one user, an array of identity pointers.
 */
int sa_bind_at(const char *file,
               const char *function,
               int line,
               const struct sa_client *client,
               const struct sa_identity *const *identities,
               size_t count);

/**
 * unbind(identity): unlinks one identity from its user.
 */
int sa_unbind_at(const char *file,
                 const char *function,
                 int line,
                 const struct sa_client *client,
                 const struct sa_identity *identity);

/**
 * track_by_id(event_name, properties, *identities): an event of the user with these
 * `count` (at least 1) identities. `properties` may be NULL.
 */
int sa_track_by_id_at(const char *file,
                      const char *function,
                      int line,
                      const struct sa_client *client,
                      const char *event_name,
                      const struct sa_properties *properties,
                      const struct sa_identity *const *identities,
                      size_t count);

/**
 * profile_set_by_id(properties, *identities). `properties` must hold at least one key.
 */
int sa_profile_set_by_id_at(const char *file,
                            const char *function,
                            int line,
                            const struct sa_client *client,
                            const struct sa_properties *properties,
                            const struct sa_identity *const *identities,
                            size_t count);

/**
 * profile_set_once_by_id(properties, *identities).
 */
int sa_profile_set_once_by_id_at(const char *file,
                                 const char *function,
                                 int line,
                                 const struct sa_client *client,
                                 const struct sa_properties *properties,
                                 const struct sa_identity *const *identities,
                                 size_t count);

/**
 * profile_increment_by_id(properties, *identities): integer values only.
 */
int sa_profile_increment_by_id_at(const char *file,
                                  const char *function,
                                  int line,
                                  const struct sa_client *client,
                                  const struct sa_properties *properties,
                                  const struct sa_identity *const *identities,
                                  size_t count);

/**
 * profile_append_by_id(properties, *identities): string-list values only.
 */
int sa_profile_append_by_id_at(const char *file,
                               const char *function,
                               int line,
                               const struct sa_client *client,
                               const struct sa_properties *properties,
                               const struct sa_identity *const *identities,
                               size_t count);

/**
 * profile_unset_by_id(profile_keys, *identities): `key_count` must be at least 1.
 */
int sa_profile_unset_by_id_at(const char *file,
                              const char *function,
                              int line,
                              const struct sa_client *client,
                              const char *const *keys,
                              size_t key_count,
                              const struct sa_identity *const *identities,
                              size_t count);

/**
 * profile_delete_by_id(*identities): deletes the profile of the user with these identities.
 */
int sa_profile_delete_by_id_at(const char *file,
                               const char *function,
                               int line,
                               const struct sa_client *client,
                               const struct sa_identity *const *identities,
                               size_t count);

/**
 * register_super_properties(properties): merges `properties` into the super properties,
 * which every later event (track, track_signup, bind, unbind, track_by_id) carries; not
 * profiles, not items. They are copied; they are not validated until an event uses them,
 * and a bad one then fails every event (as in Python).
 */
int sa_register_super_properties(const struct sa_client *client,
                                 const struct sa_properties *properties);

/**
 * clear_super_properties(): back to `$lib` and `$lib_version` only.
 */
int sa_clear_super_properties(const struct sa_client *client);

/**
 * flush(): writes out or sends what the consumer buffers.
 */
int sa_flush(const struct sa_client *client);

/**
 * close(): flushes and closes the consumer (which other clients sharing it then cannot
 * use). Records tracked after it may fail. The client itself stays allocated: sa_free() it.
 */
int sa_close(const struct sa_client *client);

/**
 * Frees a client. If sa_close() was not called, closes it first (so nothing buffered is
 * lost) and returns that close's result; the client is freed whatever it returns. NULL is
 * SA_OK. No other thread may be using the client, and the pointer is invalid afterwards.
 */
int sa_free(struct sa_client *client);

/**
 * The SDK version written as `$lib_version`, e.g. "0.1.0". Static storage: never free it.
 */
const char *sa_version(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* SENSORSANALYTICS_H */
