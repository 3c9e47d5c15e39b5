package sensorsanalytics

import sensorsanalytics.uniffi.LinePrinter
import sensorsanalytics.uniffi.NativeConsumer

// The HTTP consumers of the reference. Sending, batching, retries (docs/SPEC.md §4) and the
// background queue run in the core; `requestTimeout` is in milliseconds, null for the default.

/** `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous. */
class DefaultConsumer @JvmOverloads constructor(urlPrefix: String, requestTimeout: Long? = null) :
    NativeBackedConsumer(translated { NativeConsumer.httpDefault(urlPrefix, requestTimeout?.toDouble()) })

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
) : NativeBackedConsumer(
    translated {
        NativeConsumer.batch(
            urlPrefix, maxSize.toDouble(), requestTimeout?.toDouble(), spoolDir, spoolMaxBytes?.toDouble(), spoolFsync,
        )
    },
)

/**
 * `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
 * max_size=1000, request_timeout=None)`: `send` only queues; a background thread sends. A
 * null argument takes the core's default (the values above). A full queue is a
 * [SensorsAnalyticsNetworkException]. `spoolDir`, `spoolMaxBytes`, `spoolFsync`: as for
 * [BatchConsumer].
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
) : NativeBackedConsumer(
    translated {
        NativeConsumer.asyncBatch(
            urlPrefix, flushMaxTime, flushSize?.toDouble(), maxBatchSize?.toDouble(), maxSize?.toDouble(),
            requestTimeout?.toDouble(), spoolDir, spoolMaxBytes?.toDouble(), spoolFsync,
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
) : NativeBackedConsumer(
    translated { NativeConsumer.debug(urlPrefix, writeData, requestTimeout?.toDouble(), SystemOutPrinter) },
)

/** The verdicts go to System.out, where JVM users (and test runners) capture output. */
private object SystemOutPrinter : LinePrinter {
    override fun printLine(line: String) = println(line)
}
