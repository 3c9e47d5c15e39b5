package sensorsanalytics

import sensorsanalytics.Packer.Companion.APPEND
import sensorsanalytics.Packer.Companion.DELETE
import sensorsanalytics.Packer.Companion.INCREMENT
import sensorsanalytics.Packer.Companion.SET
import sensorsanalytics.Packer.Companion.SET_ONCE
import sensorsanalytics.Packer.Companion.UNSET
import sensorsanalytics.uniffi.CoreClient
import java.lang.ref.Cleaner
import java.lang.ref.Reference

/**
 * The Sensors Analytics client: the API of the reference SDK (`SensorsAnalytics` in Python) in
 * Kotlin's idiom. Properties are `Map<String, Any?>` of String, Int, Long, Double, Float,
 * Boolean, java.util.Date, java.time values (LocalDateTime, OffsetDateTime, ZonedDateTime,
 * Instant, LocalDate), List<String> or null; anything else is refused with
 * [SensorsAnalyticsIllegalDataException]. Safe to share between threads.
 *
 * `$lib_detail` names the caller (`class##method##file##line`, from one StackWalker frame,
 * cached per call site); `libDetail = false` leaves it out and saves that cost.
 *
 * ```
 * val sa = SensorsAnalytics(ConcurrentLoggingConsumer("/var/log/sa/access.log"))
 * sa.track("user-1", "ViewProduct", mapOf("price" to 12.5), isLoginId = true)
 * sa.close()
 * ```
 */
class SensorsAnalytics @JvmOverloads constructor(
    consumer: Consumer,
    projectName: String? = null,
    enableTimeFree: Boolean = false,
    private val libDetail: Boolean = true,
) : AutoCloseable {
    // uniffi builds the client and serves what is not hot (flush, close, super properties'
    // clearing); the hot methods make one JNI call each with their arguments packed (Packer).
    private val core: CoreClient = translated {
        when (consumer) {
            is NativeBackedConsumer -> CoreClient(consumer.native, projectName, enableTimeFree, LIB_NAME)
            else -> CoreClient.withForeignConsumer(ForeignAdapter(consumer), projectName, enableTimeFree, LIB_NAME)
        }
    }

    /** The client as the JNI calls take it: our own reference, dropped when this is collected. */
    private val handle: Long = Jni.adopt(core.uniffiCloneHandle())

    init {
        check(handle != 0L) { "the native library refused the client handle" }
        CLEANER.register(this, Release(handle))
    }

    @JvmOverloads
    fun track(distinctId: String, eventName: String, properties: Map<String, Any?>? = null, isLoginId: Boolean = false) =
        call(Packer.OP_TRACK, isLoginId) {
            it.str(distinctId)
            it.str(eventName)
            it.properties(properties)
        }

    @JvmOverloads
    fun trackSignup(distinctId: String, originalId: String, properties: Map<String, Any?>? = null) =
        call(Packer.OP_TRACK_SIGNUP, false) {
            it.str(distinctId)
            it.str(originalId)
            it.properties(properties)
        }

    @JvmOverloads
    fun profileSet(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(SET, distinctId, profiles, isLoginId)

    @JvmOverloads
    fun profileSetOnce(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(SET_ONCE, distinctId, profiles, isLoginId)

    /** Values must be integers. */
    @JvmOverloads
    fun profileIncrement(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(INCREMENT, distinctId, profiles, isLoginId)

    /** Values must be lists of strings. */
    @JvmOverloads
    fun profileAppend(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(APPEND, distinctId, profiles, isLoginId)

    @JvmOverloads
    fun profileUnset(distinctId: String, profileKeys: List<String>, isLoginId: Boolean = false) =
        call(Packer.OP_PROFILE_UNSET_KEYS, isLoginId) {
            it.str(distinctId)
            it.keys(profileKeys)
        }

    /** The dict form of profile_unset: its keys are unset (the reference sends the dict as given). */
    @JvmOverloads
    fun profileUnset(distinctId: String, profileKeys: Map<String, Any?>, isLoginId: Boolean = false) =
        profile(UNSET, distinctId, profileKeys, isLoginId)

    @JvmOverloads
    fun profileDelete(distinctId: String, isLoginId: Boolean = false) =
        profile(DELETE, distinctId, null, isLoginId)

    @JvmOverloads
    fun itemSet(itemType: String, itemId: String, properties: Map<String, Any?>? = null) =
        call(Packer.OP_ITEM_SET, false) {
            it.str(itemType)
            it.str(itemId)
            it.properties(properties)
        }

    @JvmOverloads
    fun itemDelete(itemType: String, itemId: String, properties: Map<String, Any?>? = null) =
        call(Packer.OP_ITEM_DELETE, false) {
            it.str(itemType)
            it.str(itemId)
            it.properties(properties)
        }

    /** Merged into every event (not profiles or items); checked when an event is sent. */
    fun registerSuperProperties(superProperties: Map<String, Any?>) =
        call(Packer.OP_REGISTER_SUPER_PROPERTIES, false, site = false) { it.properties(superProperties) }

    fun clearSuperProperties() = translated { core.clearSuperProperties() }

    // ID-Mapping 3.0

    fun bind(first: SensorsAnalyticsIdentity, second: SensorsAnalyticsIdentity, vararg more: SensorsAnalyticsIdentity) =
        call(Packer.OP_BIND, false) {
            it.u32(2 + more.size)
            it.identity(first)
            it.identity(second)
            for (id in more) it.identity(id)
        }

    /** For identities assembled at run time: at least two, else [SensorsAnalyticsIllegalDataException]. */
    fun bind(identities: List<SensorsAnalyticsIdentity>) = call(Packer.OP_BIND, false) { it.identities(identities) }

    fun unbind(identity: SensorsAnalyticsIdentity) = call(Packer.OP_UNBIND, false) { it.identity(identity) }

    fun trackById(eventName: String, properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        call(Packer.OP_TRACK_BY_ID, false) {
            it.str(eventName)
            it.properties(properties)
            it.identities(identities)
        }

    fun profileSetById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(SET, properties, identities)

    fun profileSetOnceById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(SET_ONCE, properties, identities)

    fun profileIncrementById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(INCREMENT, properties, identities)

    fun profileAppendById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(APPEND, properties, identities)

    fun profileUnsetById(profileKeys: List<String>, vararg identities: SensorsAnalyticsIdentity) =
        call(Packer.OP_PROFILE_UNSET_KEYS_BY_ID, false) {
            it.keys(profileKeys)
            it.identities(identities)
        }

    fun profileDeleteById(vararg identities: SensorsAnalyticsIdentity) = profileById(DELETE, null, identities)

    /** Writes or sends what the consumer buffers. */
    fun flush() = translated { core.flush() }

    /** Flushes and releases the consumer. */
    override fun close() = translated { core.shutdown() }

    private fun profile(op: Int, distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean) =
        call(Packer.OP_PROFILE, isLoginId) {
            it.u8(op)
            it.str(distinctId)
            it.properties(profiles)
        }

    private fun profileById(op: Int, properties: Map<String, Any?>?, identities: Array<out SensorsAnalyticsIdentity>) =
        call(Packer.OP_PROFILE_BY_ID, false) {
            it.u8(op)
            it.properties(properties)
            it.identities(identities)
        }

    /**
     * One hot call: this thread's packer takes the method, the caller's site and [args], and
     * makes the one JNI call. Inline, so the stack holds no frame of its own between the
     * public method and its caller.
     */
    private inline fun call(op: Int, isLoginId: Boolean, site: Boolean = true, args: (Packer) -> Unit) {
        val p = Packer.acquire()
        try {
            p.begin(op, site && libDetail, isLoginId)
            args(p)
            p.send(handle)
        } finally {
            Packer.release(p)
            // The handle is only a number: keep this (and so the client) alive through the call.
            Reference.reachabilityFence(this)
        }
    }

    /** Drops the JNI's reference to the client; does not capture the client itself. */
    private class Release(private val handle: Long) : Runnable {
        override fun run() = Jni.release(handle)
    }

    companion object {
        // Before any uniffi call: the library must be loaded from one path for uniffi and JNI.
        init {
            NativeLib.ensure()
        }

        /** `$lib` of the records this layer writes. */
        const val LIB_NAME = "Kotlin"

        /** `$lib_version`: the core's version. */
        @JvmField val SDK_VERSION: String = sensorsanalytics.uniffi.sdkVersion()

        private val CLEANER: Cleaner = Cleaner.create()
    }
}
