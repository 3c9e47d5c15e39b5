package sensorsanalytics

import sensorsanalytics.uniffi.CoreClient
import sensorsanalytics.uniffi.ProfileOp

/**
 * The Sensors Analytics client: the API of the reference SDK (`SensorsAnalytics` in Python) in
 * Kotlin's idiom. Properties are `Map<String, Any?>` of String, Int, Long, Double, Float,
 * Boolean, java.util.Date, java.time values (LocalDateTime, OffsetDateTime, ZonedDateTime,
 * Instant, LocalDate), List<String> or null; anything else is refused with
 * [SensorsAnalyticsIllegalDataException]. Safe to share between threads.
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
) : AutoCloseable {
    private val core: CoreClient = when (consumer) {
        is NativeBackedConsumer -> CoreClient(consumer.native, projectName, enableTimeFree, LIB_NAME)
        else -> CoreClient.withForeignConsumer(ForeignAdapter(consumer), projectName, enableTimeFree, LIB_NAME)
    }

    @JvmOverloads
    fun track(distinctId: String, eventName: String, properties: Map<String, Any?>? = null, isLoginId: Boolean = false) =
        translated { core.track(CallSites.here(), distinctId, eventName, Values.properties(properties), isLoginId) }

    @JvmOverloads
    fun trackSignup(distinctId: String, originalId: String, properties: Map<String, Any?>? = null) =
        translated { core.trackSignup(CallSites.here(), distinctId, originalId, Values.properties(properties)) }

    @JvmOverloads
    fun profileSet(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(ProfileOp.SET, distinctId, profiles, isLoginId)

    @JvmOverloads
    fun profileSetOnce(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(ProfileOp.SET_ONCE, distinctId, profiles, isLoginId)

    /** Values must be integers. */
    @JvmOverloads
    fun profileIncrement(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(ProfileOp.INCREMENT, distinctId, profiles, isLoginId)

    /** Values must be lists of strings. */
    @JvmOverloads
    fun profileAppend(distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean = false) =
        profile(ProfileOp.APPEND, distinctId, profiles, isLoginId)

    @JvmOverloads
    fun profileUnset(distinctId: String, profileKeys: List<String>, isLoginId: Boolean = false) =
        translated { core.profileUnset(CallSites.here(), distinctId, profileKeys, isLoginId) }

    /** The dict form of profile_unset: its keys are unset (the reference sends the dict as given). */
    @JvmOverloads
    fun profileUnset(distinctId: String, profileKeys: Map<String, Any?>, isLoginId: Boolean = false) =
        profile(ProfileOp.UNSET, distinctId, profileKeys, isLoginId)

    @JvmOverloads
    fun profileDelete(distinctId: String, isLoginId: Boolean = false) =
        profile(ProfileOp.DELETE, distinctId, null, isLoginId)

    @JvmOverloads
    fun itemSet(itemType: String, itemId: String, properties: Map<String, Any?>? = null) =
        translated { core.itemSet(CallSites.here(), itemType, itemId, Values.properties(properties)) }

    @JvmOverloads
    fun itemDelete(itemType: String, itemId: String, properties: Map<String, Any?>? = null) =
        translated { core.itemDelete(CallSites.here(), itemType, itemId, Values.properties(properties)) }

    /** Merged into every event (not profiles or items); checked when an event is sent. */
    fun registerSuperProperties(superProperties: Map<String, Any?>) =
        translated { core.registerSuperProperties(Values.propertyList(superProperties)) }

    fun clearSuperProperties() = translated { core.clearSuperProperties() }

    // ID-Mapping 3.0

    fun bind(first: SensorsAnalyticsIdentity, second: SensorsAnalyticsIdentity, vararg more: SensorsAnalyticsIdentity) =
        bind(listOf(first, second) + more)

    /** For identities assembled at run time: at least two, else [SensorsAnalyticsIllegalDataException]. */
    fun bind(identities: List<SensorsAnalyticsIdentity>) =
        translated { core.bind(CallSites.here(), identities.map { it.toFfi() }) }

    fun unbind(identity: SensorsAnalyticsIdentity) = translated { core.unbind(CallSites.here(), identity.toFfi()) }

    fun trackById(eventName: String, properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        translated { core.trackById(CallSites.here(), eventName, Values.properties(properties), ffi(identities)) }

    fun profileSetById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(ProfileOp.SET, properties, identities)

    fun profileSetOnceById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(ProfileOp.SET_ONCE, properties, identities)

    fun profileIncrementById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(ProfileOp.INCREMENT, properties, identities)

    fun profileAppendById(properties: Map<String, Any?>?, vararg identities: SensorsAnalyticsIdentity) =
        profileById(ProfileOp.APPEND, properties, identities)

    fun profileUnsetById(profileKeys: List<String>, vararg identities: SensorsAnalyticsIdentity) =
        translated { core.profileUnsetById(CallSites.here(), profileKeys, ffi(identities)) }

    fun profileDeleteById(vararg identities: SensorsAnalyticsIdentity) = profileById(ProfileOp.DELETE, null, identities)

    /** Writes or sends what the consumer buffers. */
    fun flush() = translated { core.flush() }

    /** Flushes and releases the consumer. */
    override fun close() = translated { core.shutdown() }

    private fun profile(op: ProfileOp, distinctId: String, profiles: Map<String, Any?>?, isLoginId: Boolean) =
        translated { core.profile(CallSites.here(), op, distinctId, Values.properties(profiles), isLoginId) }

    private fun profileById(op: ProfileOp, properties: Map<String, Any?>?, identities: Array<out SensorsAnalyticsIdentity>) =
        translated { core.profileById(CallSites.here(), op, Values.properties(properties), ffi(identities)) }

    private fun ffi(identities: Array<out SensorsAnalyticsIdentity>) = identities.map { it.toFfi() }

    companion object {
        /** `$lib` of the records this layer writes. */
        const val LIB_NAME = "Kotlin"

        /** `$lib_version`: the core's version. */
        @JvmField val SDK_VERSION: String = sensorsanalytics.uniffi.sdkVersion()
    }
}
