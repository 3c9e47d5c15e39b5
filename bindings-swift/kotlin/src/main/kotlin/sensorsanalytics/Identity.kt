package sensorsanalytics

import sensorsanalytics.uniffi.identityKeys

/** An ID-Mapping 3.0 identity: `SensorsAnalyticsIdentity(key, value)`. */
data class SensorsAnalyticsIdentity(val key: String, val value: String) {
    companion object {
        // Read from the core, which owns the protocol's names.
        private val keys = translated { identityKeys() }

        @JvmField val LOGIN_ID: String = keys.loginId
        @JvmField val MOBILE: String = keys.mobile
        @JvmField val EMAIL: String = keys.email
    }
}
