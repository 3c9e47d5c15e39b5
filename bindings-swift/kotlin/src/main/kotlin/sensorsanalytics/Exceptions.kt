package sensorsanalytics

import sensorsanalytics.uniffi.SaException

/** Base of the SDK's exceptions, as `SensorsAnalyticsException` in the reference. */
open class SensorsAnalyticsException(message: String, cause: Throwable? = null) : Exception(message, cause)

/** Bad input: a name, id, value or identity the platform would refuse. */
class SensorsAnalyticsIllegalDataException(message: String) : SensorsAnalyticsException(message)

/** A send failed, or the async queue was full. */
class SensorsAnalyticsNetworkException(message: String) : SensorsAnalyticsException(message)

/** ConcurrentLoggingConsumer could not lock or write its file. */
class SensorsAnalyticsFileLockException(message: String) : SensorsAnalyticsException(message)

/**
 * DebugConsumer got an answer with status >= 300. Not a [SensorsAnalyticsException], as in the
 * reference, so that code catching those does not swallow debugging failures.
 */
class SensorsAnalyticsDebugException(message: String) : Exception(message)

/**
 * Runs a uniffi call into the native library (the calls that are not hot: constructors,
 * flush, close, ...) and turns its error into the public exception. A user consumer's own
 * exception that travelled through the core comes back out as itself.
 */
internal inline fun <T> translated(block: () -> T): T {
    NativeLib.ensure()
    return try {
        block()
    } catch (e: SaException) {
        throw when (e) {
            is SaException.IllegalData -> Failures.of(Failures.ILLEGAL_DATA, e.reason)
            is SaException.Network -> Failures.of(Failures.NETWORK, e.reason)
            is SaException.FileLock -> Failures.of(Failures.FILE_LOCK, e.reason)
            is SaException.Debug -> Failures.of(Failures.DEBUG, e.reason)
        }
    }
}

/** The public exception of a core error, by the kind codes of PACKING.md. */
internal object Failures {
    const val ILLEGAL_DATA = 1
    const val NETWORK = 2
    const val FILE_LOCK = 3
    const val DEBUG = 4

    fun of(code: Int, message: String): Throwable = when (code) {
        ILLEGAL_DATA -> SensorsAnalyticsIllegalDataException(message)
        NETWORK -> UserConsumerFailure.takeFor(message) ?: SensorsAnalyticsNetworkException(message)
        FILE_LOCK -> SensorsAnalyticsFileLockException(message)
        DEBUG -> SensorsAnalyticsDebugException(message)
        // A malformed packed call or a panic: a bug of this library, not of the caller's data.
        else -> IllegalStateException(message)
    }
}

/**
 * A user consumer runs on the calling thread, inside a native call. What it throws is parked
 * here while the core unwinds with a Network error carrying a unique reason, then rethrown
 * by [Failures.of] so the caller sees the consumer's exception object unchanged.
 */
internal object UserConsumerFailure {
    private class Parked(val reason: String, val error: Throwable)

    private val parked = ThreadLocal<Parked?>()

    fun park(error: Throwable): SaException {
        val reason = "consumer failed: $error (#${System.identityHashCode(error)})"
        parked.set(Parked(reason, error))
        return SaException.Network(reason)
    }

    /** The parked exception if [reason] (of a Network error) is the one it was parked with. */
    fun takeFor(reason: String): Throwable? {
        val p = parked.get() ?: return null
        parked.remove()
        return if (reason == p.reason) p.error else null
    }
}
