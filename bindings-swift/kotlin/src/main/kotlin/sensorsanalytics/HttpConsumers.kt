package sensorsanalytics

import sensorsanalytics.uniffi.GiveUpListener
import sensorsanalytics.uniffi.HttpHeader
import sensorsanalytics.uniffi.LinePrinter
import sensorsanalytics.uniffi.NativeConsumer
import sensorsanalytics.uniffi.NetworkOptions
import java.util.logging.Level
import java.util.logging.Logger

// The HTTP consumers of the reference. Sending, batching, retries (docs/SPEC.md §4) and the
// background queue run in the core; `requestTimeout` is in milliseconds, null for the default.
//
// Network options, the last parameters of every HTTP consumer (null: the core's default):
// `caFile` (a PEM bundle trusted in addition to the system's CAs), `proxy`
// (`http://[user:pass@]host:port`, instead of the environment's `https_proxy`/`http_proxy`),
// `headers` (sent with every request, in the map's order; the SDK's own `Content-Type`,
// `User-Agent`, `Dry-Run` cannot be replaced) and `gzip` (false sends `gzip=0`). The core
// checks them: a bad one is a [SensorsAnalyticsIllegalDataException] at construction.

/** The network options as the native constructors take them. */
private fun net(caFile: String?, proxy: String?, headers: Map<String, String>?, gzip: Boolean?) =
    NetworkOptions(caFile, proxy, headers.orEmpty().map { (name, value) -> HttpHeader(name, value) }, gzip)

/**
 * Told of every batch [consumer] (AsyncBatchConsumer, KafkaConsumer) gives up on, on one of its
 * threads: logged as a warning (logger `sensorsanalytics`, java.util.logging) and passed to the
 * user's `onError`, if any, with the exception a call would have thrown. What `onError` throws
 * is logged, never propagated.
 */
internal class GiveUp(
    private val consumer: String,
    private val onError: ((List<String>, Exception) -> Unit)?,
) : GiveUpListener {
    override fun onGiveUp(records: List<String>, kind: Int, message: String) {
        log.warning("$consumer gave up on ${records.size} records: $message")
        val handler = onError ?: return
        val error = Failures.of(kind, message) as? Exception ?: SensorsAnalyticsNetworkException(message)
        try {
            handler(records, error)
        } catch (t: Throwable) {
            log.log(Level.WARNING, "$consumer onError threw", t)
        }
    }

    companion object {
        private val log: Logger = Logger.getLogger("sensorsanalytics")
    }
}

/** `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous. */
class DefaultConsumer @JvmOverloads constructor(
    urlPrefix: String,
    requestTimeout: Long? = null,
    caFile: String? = null,
    proxy: String? = null,
    headers: Map<String, String>? = null,
    gzip: Boolean? = null,
) : NativeBackedConsumer(
    translated { NativeConsumer.httpDefault(urlPrefix, requestTimeout?.toDouble(), net(caFile, proxy, headers, gzip)) },
)

/**
 * `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends `maxSize` records per
 * request (at most 50) once that many wait, and on flush/close; the caller waits.
 *
 * With `spoolDir`, every record is written to that directory first and sent from there, so
 * that none is lost to an outage, an exit or a crash; a call then waits for one attempt at
 * most, never for a receiver known to be down (README "Durable delivery"). `spoolMaxBytes`
 * (null: 1 GiB) bounds it; `spoolFsync` adds an fdatasync per write.
 */
class BatchConsumer @JvmOverloads constructor(
    urlPrefix: String,
    maxSize: Int = CoreDefaults.batchMaxSize,
    requestTimeout: Long? = null,
    spoolDir: String? = null,
    spoolMaxBytes: Long? = null,
    spoolFsync: Boolean? = null,
    caFile: String? = null,
    proxy: String? = null,
    headers: Map<String, String>? = null,
    gzip: Boolean? = null,
) : NativeBackedConsumer(
    translated {
        NativeConsumer.batch(
            urlPrefix, maxSize.toDouble(), requestTimeout?.toDouble(), spoolDir, spoolMaxBytes?.toDouble(), spoolFsync,
            net(caFile, proxy, headers, gzip),
        )
    },
)

/**
 * `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
 * max_size=1000, request_timeout=None)`: `send` only queues; a background thread sends. A
 * null argument takes the core's default (the values above). A full queue is a
 * [SensorsAnalyticsNetworkException]. `spoolDir`, `spoolMaxBytes`, `spoolFsync`: as for
 * [BatchConsumer]. `onError(records, exception)` is called, on a sender thread, with every
 * batch given up on (a final answer such as 400, retries run out, the close bound); each is
 * also logged as a warning and counted in `stats.failed`.
 */
class AsyncBatchConsumer @JvmOverloads constructor(
    urlPrefix: String,
    flushMaxTime: Double? = null,
    flushSize: Int? = null,
    maxBatchSize: Int? = null,
    maxSize: Int? = null,
    requestTimeout: Long? = null,
    spoolDir: String? = null,
    spoolMaxBytes: Long? = null,
    spoolFsync: Boolean? = null,
    onError: ((records: List<String>, error: Exception) -> Unit)? = null,
    caFile: String? = null,
    proxy: String? = null,
    headers: Map<String, String>? = null,
    gzip: Boolean? = null,
) : NativeBackedConsumer(
    translated {
        NativeConsumer.asyncBatch(
            urlPrefix, flushMaxTime, flushSize?.toDouble(), maxBatchSize?.toDouble(), maxSize?.toDouble(),
            requestTimeout?.toDouble(), spoolDir, spoolMaxBytes?.toDouble(), spoolFsync, GiveUp("AsyncBatchConsumer", onError),
            net(caFile, proxy, headers, gzip),
        )
    },
)

/**
 * `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: sends each record to the
 * debug API and prints the verdict; a refusal is a [SensorsAnalyticsDebugException].
 */
class DebugConsumer @JvmOverloads constructor(
    urlPrefix: String,
    writeData: Boolean = CoreDefaults.writeData,
    requestTimeout: Long? = null,
    caFile: String? = null,
    proxy: String? = null,
    headers: Map<String, String>? = null,
    gzip: Boolean? = null,
) : NativeBackedConsumer(
    translated {
        NativeConsumer.debug(
            urlPrefix, writeData, requestTimeout?.toDouble(), SystemOutPrinter, net(caFile, proxy, headers, gzip),
        )
    },
)

/** The verdicts go to System.out, where JVM users (and test runners) capture output. */
private object SystemOutPrinter : LinePrinter {
    override fun printLine(line: String) = println(line)
}
