import Foundation
import XCTest
@testable import SensorsAnalyticsSDK

/// Every method of the client from Swift, the value types and the errors.
final class ClientTests: XCTestCase {
    var out: CapturingConsumer!
    var sa: SensorsAnalytics!

    override func setUp() {
        out = CapturingConsumer()
        sa = SensorsAnalytics(consumer: out, projectName: "proj", enableTimeFree: true)
    }

    func testLibNamesSwiftAndTheCaller() throws {
        try sa.track(distinctId: "u1", eventName: "ViewProduct", properties: ["price": 12.5], isLoginId: true)
        let r = out.last
        XCTAssertEqual(r[object: "lib"]["$lib"] as? String, "Swift")
        XCTAssertEqual(r[object: "lib"]["$lib_version"] as? String, SensorsAnalytics.sdkVersion)
        let detail = (r[object: "lib"]["$lib_detail"] as? String ?? "").components(separatedBy: "##")
        XCTAssertEqual(detail.count, 4)
        XCTAssertEqual(detail[1], "testLibNamesSwiftAndTheCaller()")
        XCTAssertTrue(detail[2].hasSuffix("ClientTests.swift"))
        XCTAssertEqual(r["project"] as? String, "proj")
        XCTAssertEqual(r["time_free"] as? Bool, true)
        XCTAssertEqual(r[object: "properties"]["$is_login_id"] as? Bool, true)
        XCTAssertEqual(r[object: "properties"]["price"] as? Double, 12.5)
    }

    func testEveryMethod() throws {
        let login = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.loginId, "L1")
        let mobile = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.mobile, "138")
        try sa.track(distinctId: "u1", eventName: "E")
        try sa.trackSignup(distinctId: "login-1", originalId: "anon-1")
        try sa.profileSet(distinctId: "u1", profiles: ["a": 1])
        try sa.profileSetOnce(distinctId: "u1", profiles: ["b": "x"])
        try sa.profileIncrement(distinctId: "u1", profiles: ["c": 2])
        try sa.profileAppend(distinctId: "u1", profiles: ["d": ["x", "y"]])
        try sa.profileUnset(distinctId: "u1", profileKeys: ["e"])
        try sa.profileUnset(distinctId: "u1", profileKeys: ["f": true])
        try sa.profileDelete(distinctId: "u1")
        try sa.itemSet(itemType: "book", itemId: "b1", properties: ["name": "Swift"])
        try sa.itemDelete(itemType: "book", itemId: "b1")
        try sa.bind(login, mobile)
        try sa.unbind(mobile)
        try sa.trackById(eventName: "Buy", properties: ["p": 1], login)
        try sa.profileSetById(properties: ["a": 1], login)
        try sa.profileSetOnceById(properties: ["a": 1], login)
        try sa.profileIncrementById(properties: ["a": 1], login)
        try sa.profileAppendById(properties: ["a": ["x"]], login)
        try sa.profileUnsetById(profileKeys: ["a"], login)
        try sa.profileDeleteById(login)
        XCTAssertEqual(out.records().map { $0["type"] as? String ?? "" }, [
            "track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
            "profile_unset", "profile_unset", "profile_delete", "item_set", "item_delete", "track_id_bind",
            "track_id_unbind", "track", "profile_set", "profile_set_once", "profile_increment", "profile_append",
            "profile_unset", "profile_delete",
        ])
        try sa.flush()
        try sa.close()
        XCTAssertEqual(out.flushes, 1)
        XCTAssertEqual(out.closes, 1)
    }

    func testSuperProperties() throws {
        sa.registerSuperProperties(["app": "demo", "$app_version": "1.2"])
        try sa.track(distinctId: "u1", eventName: "E")
        XCTAssertEqual(out.last[object: "properties"]["app"] as? String, "demo")
        XCTAssertEqual(out.last[object: "lib"]["$app_version"] as? String, "1.2")
        sa.clearSuperProperties()
        try sa.track(distinctId: "u1", eventName: "E")
        XCTAssertNil(out.last[object: "properties"]["app"])
    }

    func testValueTypes() throws {
        var local = Calendar(identifier: .gregorian)
        local.timeZone = TimeZone.current
        // 7.5 ms: a Date is a Double, and milliseconds are truncated.
        let date = local.date(from: DateComponents(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, nanosecond: 7_500_000))!
        let nothing: String? = nil
        try sa.track(distinctId: "u1", eventName: "E", properties: [
            "s": "x", "i": 1, "i64": Int64(9_007_199_254_740_991), "u8": UInt8(3), "d": 12.5, "f": Float(0.1),
            "b": true, "n": nothing as Any, "null": NSNull(), "dt": date,
            "day": DateComponents(year: 2023, month: 1, day: 9), "list": ["a", "b"],
            "ns": NSNumber(value: 5), "nsb": NSNumber(value: true),
        ])
        let p = out.last[object: "properties"]
        XCTAssertEqual(p["s"] as? String, "x")
        XCTAssertEqual(p["i"] as? Int, 1)
        XCTAssertEqual(p["i64"] as? Int64, 9_007_199_254_740_991)
        XCTAssertEqual(p["u8"] as? Int, 3)
        XCTAssertEqual(p["d"] as? Double, 12.5)
        XCTAssertEqual(p["f"] as? Double, 0.1)
        XCTAssertEqual(p["b"] as? Bool, true)
        XCTAssertTrue(p["n"] is NSNull)
        XCTAssertTrue(p["null"] is NSNull)
        XCTAssertEqual(p["dt"] as? String, "2024-02-29 23:59:58.007")
        XCTAssertEqual(p["day"] as? String, "2023-01-09")
        XCTAssertEqual(p["list"] as? [String], ["a", "b"])
        XCTAssertEqual(p["ns"] as? Int, 5)
        XCTAssertEqual(p["nsb"] as? Bool, true)
    }

    func testUnsupportedValuesNameTheirType() {
        func message(_ v: Any) -> String? {
            do {
                try sa.track(distinctId: "u1", eventName: "E", properties: ["k": v])
                return nil
            } catch let e as SensorsAnalyticsError {
                guard case .illegalData(let m) = e else { return "wrong kind: \(e)" }
                return m
            } catch {
                return "not an SDK error: \(error)"
            }
        }
        XCTAssertEqual(message(["a": 1]), "property value must be a str/int/float/datetime/date/list. [value=<class 'dict'>]")
        XCTAssertEqual(message(["a", 1] as [Any]), "[list] property's value must be a str. [value=<class 'int'>]")
        XCTAssertEqual(message(Double.nan), "property value must not be NaN or Infinity. [key=k]")
        XCTAssertEqual(message(UInt64.max), "property value must be a str/int/float/datetime/date/list. [value=<class 'int'>]")
        XCTAssertEqual(out.lines.count, 0)
    }

    func testErrorsAreTheSDKs() {
        XCTAssertThrowsError(try sa.track(distinctId: "", eventName: "E")) { e in
            XCTAssertEqual(e as? SensorsAnalyticsError, .illegalData("property [distinct_id] must not be empty"))
        }
        XCTAssertThrowsError(try sa.track(distinctId: "u1", eventName: "1bad")) { e in
            XCTAssertEqual(e as? SensorsAnalyticsError, .illegalData("event name must be a valid variable name. [name=1bad]"))
        }
        XCTAssertThrowsError(try LoggingConsumer(prefix: "/tmp/x", when: "fortnight")) { e in
            XCTAssertEqual(e as? SensorsAnalyticsError, .illegalData("Invalid rollover interval specified: FORTNIGHT"))
        }
        XCTAssertThrowsError(try ConcurrentLoggingConsumer(prefix: "/no/such/dir/x")) { e in
            guard case .fileLock = e as? SensorsAnalyticsError else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try DefaultConsumer(urlPrefix: "not a url")) { e in
            guard case .illegalData = e as? SensorsAnalyticsError else { return XCTFail("\(e)") }
        }
    }

    func testASwiftConsumersErrorReachesTheCallerUnchanged() {
        struct DiskFull: Error, Equatable {}
        final class Failing: Consumer {
            func send(_ message: String) throws { throw DiskFull() }
        }
        let failing = SensorsAnalytics(consumer: Failing())
        XCTAssertThrowsError(try failing.track(distinctId: "u1", eventName: "E")) { e in
            XCTAssertEqual(e as? DiskFull, DiskFull())
        }
    }

    func testLoggingConsumerWritesLines() throws {
        let path = NSTemporaryDirectory() + "sa-swift-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let logging = SensorsAnalytics(consumer: try LoggingConsumer(prefix: path))
        try logging.track(distinctId: "u1", eventName: "E")
        try logging.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 1)
    }
}
