import SensorsAnalyticsUniffi

/// The Sensors Analytics client: the API of the reference SDK (`SensorsAnalytics` in Python) in
/// Swift's idiom. Properties are `[String: Any]` of String, integers, Double, Float, Bool,
/// Date, DateComponents (a date, or a wall-clock datetime: zone-aware when its `timeZone` is
/// set), [String] or nil/NSNull; anything else is refused with
/// `SensorsAnalyticsError.illegalData`. Safe to share between threads.
///
/// ```swift
/// let sa = SensorsAnalytics(consumer: try ConcurrentLoggingConsumer(prefix: "/var/log/sa/access.log"))
/// try sa.track(distinctId: "user-1", eventName: "ViewProduct", properties: ["price": 12.5], isLoginId: true)
/// try sa.close()
/// ```
///
/// `$lib_detail` names the caller through the defaulted `file`, `function` and `line`
/// arguments; leave them out.
public final class SensorsAnalytics: @unchecked Sendable {
    /// `$lib` of the records this layer writes.
    public static let libName = "Swift"
    /// `$lib_version`: the core's version.
    public static let sdkVersion: String = SensorsAnalyticsUniffi.sdkVersion()

    private let core: CoreClient

    public init(consumer: Consumer, projectName: String? = nil, enableTimeFree: Bool = false) {
        if let native = consumer as? NativeBackedConsumer {
            core = CoreClient(consumer: native.native, projectName: projectName, enableTimeFree: enableTimeFree, libName: Self.libName)
        } else {
            core = CoreClient.withForeignConsumer(
                consumer: ForeignAdapter(consumer), projectName: projectName, enableTimeFree: enableTimeFree, libName: Self.libName
            )
        }
    }

    public func track(
        distinctId: String, eventName: String, properties: [String: Any]? = nil, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated {
            try core.track(site: site, distinctId: distinctId, eventName: eventName, properties: Values.properties(properties), isLoginId: isLoginId)
        }
    }

    public func trackSignup(
        distinctId: String, originalId: String, properties: [String: Any]? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated {
            try core.trackSignup(site: site, distinctId: distinctId, originalId: originalId, properties: Values.properties(properties))
        }
    }

    public func profileSet(
        distinctId: String, profiles: [String: Any]?, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.set, distinctId, profiles, isLoginId, callSite(file, function, line))
    }

    public func profileSetOnce(
        distinctId: String, profiles: [String: Any]?, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.setOnce, distinctId, profiles, isLoginId, callSite(file, function, line))
    }

    /// Values must be integers.
    public func profileIncrement(
        distinctId: String, profiles: [String: Any]?, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.increment, distinctId, profiles, isLoginId, callSite(file, function, line))
    }

    /// Values must be lists of strings.
    public func profileAppend(
        distinctId: String, profiles: [String: Any]?, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.append, distinctId, profiles, isLoginId, callSite(file, function, line))
    }

    public func profileUnset(
        distinctId: String, profileKeys: [String], isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.profileUnset(site: site, distinctId: distinctId, profileKeys: profileKeys, isLoginId: isLoginId) }
    }

    /// The dictionary form of profile_unset (the reference sends the dict as given).
    public func profileUnset(
        distinctId: String, profileKeys: [String: Any], isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.unset, distinctId, profileKeys, isLoginId, callSite(file, function, line))
    }

    public func profileDelete(
        distinctId: String, isLoginId: Bool = false,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profile(.delete, distinctId, nil, isLoginId, callSite(file, function, line))
    }

    public func itemSet(
        itemType: String, itemId: String, properties: [String: Any]? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.itemSet(site: site, itemType: itemType, itemId: itemId, properties: Values.properties(properties)) }
    }

    public func itemDelete(
        itemType: String, itemId: String, properties: [String: Any]? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.itemDelete(site: site, itemType: itemType, itemId: itemId, properties: Values.properties(properties)) }
    }

    /// Merged into every event (not profiles or items); checked when an event is sent.
    public func registerSuperProperties(_ superProperties: [String: Any]) {
        core.registerSuperProperties(properties: Values.propertyList(superProperties))
    }

    public func clearSuperProperties() {
        core.clearSuperProperties()
    }

    // MARK: ID-Mapping 3.0
    //
    // Each call comes twice: variadic, as the reference's `*identities`, and with an
    // `identities:` array for identities assembled at run time.

    public func bind(
        _ first: SensorsAnalyticsIdentity, _ second: SensorsAnalyticsIdentity, _ more: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try bind(identities: [first, second] + more, file: file, function: function, line: line)
    }

    /// At least two identities; fewer is `.illegalData`.
    public func bind(
        identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.bind(site: site, identities: identities.map(\.ffi)) }
    }

    public func unbind(
        _ identity: SensorsAnalyticsIdentity,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.unbind(site: site, identity: identity.ffi) }
    }

    public func trackById(
        eventName: String, properties: [String: Any]?, _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try trackById(eventName: eventName, properties: properties, identities: identities, file: file, function: function, line: line)
    }

    public func trackById(
        eventName: String, properties: [String: Any]?, identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated {
            try core.trackById(site: site, eventName: eventName, properties: Values.properties(properties), identities: identities.map(\.ffi))
        }
    }

    public func profileSetById(
        properties: [String: Any]?, _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.set, properties, identities, callSite(file, function, line))
    }

    public func profileSetById(
        properties: [String: Any]?, identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.set, properties, identities, callSite(file, function, line))
    }

    public func profileSetOnceById(
        properties: [String: Any]?, _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.setOnce, properties, identities, callSite(file, function, line))
    }

    public func profileSetOnceById(
        properties: [String: Any]?, identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.setOnce, properties, identities, callSite(file, function, line))
    }

    public func profileIncrementById(
        properties: [String: Any]?, _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.increment, properties, identities, callSite(file, function, line))
    }

    public func profileIncrementById(
        properties: [String: Any]?, identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.increment, properties, identities, callSite(file, function, line))
    }

    public func profileAppendById(
        properties: [String: Any]?, _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.append, properties, identities, callSite(file, function, line))
    }

    public func profileAppendById(
        properties: [String: Any]?, identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.append, properties, identities, callSite(file, function, line))
    }

    public func profileUnsetById(
        profileKeys: [String], _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileUnsetById(profileKeys: profileKeys, identities: identities, file: file, function: function, line: line)
    }

    public func profileUnsetById(
        profileKeys: [String], identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        let site = callSite(file, function, line)
        try translated { try core.profileUnsetById(site: site, profileKeys: profileKeys, identities: identities.map(\.ffi)) }
    }

    public func profileDeleteById(
        _ identities: SensorsAnalyticsIdentity...,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.delete, nil, identities, callSite(file, function, line))
    }

    public func profileDeleteById(
        identities: [SensorsAnalyticsIdentity],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) throws {
        try profileById(.delete, nil, identities, callSite(file, function, line))
    }

    /// Writes or sends what the consumer buffers.
    public func flush() throws {
        try translated { try core.flush() }
    }

    /// Flushes and releases the consumer.
    public func close() throws {
        try translated { try core.shutdown() }
    }

    // MARK: -

    private func profile(_ op: ProfileOp, _ distinctId: String, _ profiles: [String: Any]?, _ isLoginId: Bool, _ site: CallSite) throws {
        try translated {
            try core.profile(site: site, op: op, distinctId: distinctId, profiles: Values.properties(profiles), isLoginId: isLoginId)
        }
    }

    private func profileById(_ op: ProfileOp, _ properties: [String: Any]?, _ identities: [SensorsAnalyticsIdentity], _ site: CallSite) throws {
        try translated {
            try core.profileById(site: site, op: op, properties: Values.properties(properties), identities: identities.map(\.ffi))
        }
    }

    /// Swift has no caller class at run time: `$lib_detail` is `##function##Module/File.swift##line`.
    private func callSite(_ file: String, _ function: String, _ line: UInt) -> CallSite {
        CallSite(className: "", function: function, file: file, line: UInt32(clamping: line))
    }
}
