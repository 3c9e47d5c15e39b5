import SensorsAnalyticsUniffi

/// An ID-Mapping 3.0 identity: `SensorsAnalyticsIdentity(key, value)`.
public struct SensorsAnalyticsIdentity: Equatable, Hashable {
    public let key: String
    public let value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    // Read from the core, which owns the protocol's names.
    private static let keys = identityKeys()
    public static let loginId: String = keys.loginId
    public static let mobile: String = keys.mobile
    public static let email: String = keys.email

    var ffi: Identity { Identity(key: key, value: value) }
}
