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
 * Runs a call into the native library and turns its error into the public exception. A user
 * consumer's own exception that travelled through the core comes back out as itself.
 */
internal inline fun <T> translated(block: () -> T): T =
    try {
        block()
    } catch (e: SaException) {
        throw UserConsumerFailure.takeFor(e) ?: e.toPublic()
    }

internal fun SaException.toPublic(): Exception = when (this) {
    is SaException.IllegalData -> SensorsAnalyticsIllegalDataException(reason)
    is SaException.Network -> SensorsAnalyticsNetworkException(reason)
    is SaException.FileLock -> SensorsAnalyticsFileLockException(reason)
    is SaException.Debug -> SensorsAnalyticsDebugException(reason)
}

/**
 * A user consumer runs on the calling thread, inside a native call. What it throws is parked
 * here while the core unwinds with a Network error carrying a unique reason, then rethrown
 * by [translated] so the caller sees the consumer's exception object unchanged.
 */
internal object UserConsumerFailure {
    private class Parked(val reason: String, val error: Throwable)

    private val parked = ThreadLocal<Parked?>()

    fun park(error: Throwable): SaException {
        val reason = "consumer failed: $error (#${System.identityHashCode(error)})"
        parked.set(Parked(reason, error))
        return SaException.Network(reason)
    }

    fun takeFor(e: SaException): Throwable? {
        val p = parked.get() ?: return null
        parked.remove()
        return if (e is SaException.Network && e.reason == p.reason) p.error else null
    }
}
