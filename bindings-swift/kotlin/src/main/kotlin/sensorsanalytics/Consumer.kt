package sensorsanalytics

import sensorsanalytics.uniffi.ForeignConsumer
import sensorsanalytics.uniffi.HttpStats
import sensorsanalytics.uniffi.NativeConsumer
import sensorsanalytics.uniffi.consumerDefaults

/**
 * Where records go: anything with `send`, `flush` and `close`, as in the reference. Implement
 * it to capture or forward records yourself; the SDK's own consumers below run natively.
 */
interface Consumer {
    /** Takes one record as a JSON line (no trailing newline). */
    fun send(msg: String)

    fun flush() {}

    fun close() {}
}

/**
 * A consumer implemented by the core. The client hands it records without leaving native
 * code; calling [send] from Kotlin works too.
 */
abstract class NativeBackedConsumer internal constructor(internal val native: NativeConsumer) : Consumer {
    override fun send(msg: String) = translated { native.send(msg) }

    override fun flush() = translated { native.flush() }

    override fun close() = translated { native.shutdown() }

    /** An HTTP consumer's counters (sent, failed, dropped, retried, ...); null for the others. */
    val stats: HttpStats? get() = native.stats()
}

/**
 * Core's consumer defaults, read once through uniffi: the default arguments below show them
 * without this package retyping a number. Every number a user gives goes to core as it is,
 * for core's one rule (negative: an error; fractional: rounded; too large: capped).
 */
internal object CoreDefaults {
    private val d = consumerDefaults()
    val backupCount: Int = d.backupCount
    val `when`: String = d.`when`
    val bufferSize: Int = d.bufferSize
    val batchMaxSize: Int = d.batchMaxSize
    val writeData: Boolean = d.writeData
}

/** `ConsoleConsumer()`: one JSON line per record on stdout. */
class ConsoleConsumer : NativeBackedConsumer(translated { NativeConsumer.console() })

/**
 * `LoggingConsumer(prefix, backupCount=0, when='midnight')`: appends to the file [prefix],
 * rotated on time like Python's TimedRotatingFileHandler.
 */
class LoggingConsumer @JvmOverloads constructor(
    prefix: String,
    backupCount: Int = CoreDefaults.backupCount,
    `when`: String = CoreDefaults.`when`,
) : NativeBackedConsumer(translated { NativeConsumer.logging(prefix, backupCount.toDouble(), `when`) })

/**
 * `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`: writes `prefix.YYYY-MM-DD` under an
 * exclusive file lock, so many processes can share one file.
 */
class ConcurrentLoggingConsumer @JvmOverloads constructor(prefix: String, bufferSize: Int = CoreDefaults.bufferSize) :
    NativeBackedConsumer(translated { NativeConsumer.concurrentLogging(prefix, bufferSize.toDouble()) })

/** Lets the core call a user's [Consumer]; what it throws is parked for the caller. */
internal class ForeignAdapter(private val user: Consumer) : ForeignConsumer {
    override fun send(record: String) = guard { user.send(record) }

    override fun flush() = guard { user.flush() }

    override fun shutdown() = guard { user.close() }

    private inline fun guard(block: () -> Unit) {
        try {
            block()
        } catch (e: Throwable) {
            throw UserConsumerFailure.park(e)
        }
    }
}
