import Foundation
import XCTest
@testable import SensorsAnalyticsSDK

/// The shared cases of tests/vectors/ (format: tests/vectors/README.md). Swift dictionaries
/// keep no order, so records are compared by content here, not by key order; the Kotlin
/// tests, which run in CI, compare the order of the same core's output.
final class VectorsTests: XCTestCase {
    private struct Inexpressible: Error { let reason: String }

    private var vectorsDir: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/vectors")
    }

    func testVectors() throws {
        let files = try FileManager.default.contentsOfDirectory(at: vectorsDir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertFalse(files.isEmpty, "no vectors in \(vectorsDir.path)")
        var ran = 0, skipped: [String] = []
        for file in files {
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            for case let c as [String: Any] in doc["cases"] as! [Any] {
                let name = c["name"] as! String
                do {
                    try run(c, name)
                    ran += 1
                } catch let e as Inexpressible {
                    skipped.append("\(name): \(e.reason)")
                }
            }
        }
        print("vectors: \(ran) ran, \(skipped.count) skipped (cannot be expressed in Swift):\n  " + skipped.joined(separator: "\n  "))
    }

    private func run(_ c: [String: Any], _ name: String) throws {
        let setup = c["setup"] as? [String: Any] ?? [:]
        let out = CapturingConsumer()
        let sa = SensorsAnalytics(
            consumer: out, projectName: setup["project_name"] as? String,
            enableTimeFree: setup["enable_time_free"] as? Bool ?? false
        )
        let calls = (c["calls"] as! [[String: Any]]).map { ($0["method"] as! String, $0["args"] as? [String: Any] ?? [:]) }
        let actions = try calls.map { try action(sa, $0.0, $0.1) }
        if let sup = setup["super_properties"] as? [String: Any] { sa.registerSuperProperties(decodeMap(sup)) }
        var failure: Error?
        var failedAt = -1
        for (i, act) in actions.enumerated() {
            do { try act() } catch { failure = error; failedAt = i; break }
        }
        if let expectedError = c["error"] as? [String: Any] {
            guard let e = failure as? SensorsAnalyticsError else {
                return XCTFail("\(name): expected \(expectedError), got \(String(describing: failure)), records \(out.lines)")
            }
            XCTAssertEqual(failedAt, calls.count - 1, name)
            XCTAssertEqual(kind(e), expectedError["kind"] as? String, name)
            XCTAssertEqual(e.message, expectedError["message"] as? String, name)
            XCTAssertEqual(out.lines, [], name)
            return
        }
        XCTAssertNil(failure, "\(name): \(String(describing: failure))")
        let expected = c["expect"] as! [[String: Any]]
        XCTAssertEqual(out.lines.count, expected.count, name)
        for (exp, line) in zip(expected, out.lines) {
            var actual = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if exp["time"] == nil { XCTAssertNotNil(actual.removeValue(forKey: "time") as? Int, name) }
            let isItem = (actual["type"] as? String)?.hasPrefix("item_") ?? false
            let trackId = actual.removeValue(forKey: "_track_id") as? Int
            XCTAssertEqual(trackId == nil, isItem, "\(name): _track_id")
            if var lib = actual["lib"] as? [String: Any] {
                ["$lib", "$lib_version", "$lib_detail"].forEach { lib.removeValue(forKey: $0) }
                actual["lib"] = lib
            }
            if var props = actual["properties"] as? [String: Any] {
                ["$lib", "$lib_version"].forEach { props.removeValue(forKey: $0) }
                actual["properties"] = props
            }
            XCTAssertEqual(NSDictionary(dictionary: actual), NSDictionary(dictionary: exp), "\(name): got \(line)")
        }
    }

    private func kind(_ e: SensorsAnalyticsError) -> String {
        switch e {
        case .illegalData: return "IllegalData"
        case .network: return "Network"
        case .fileLock: return "FileLock"
        case .debug: return "Debug"
        }
    }

    private func action(_ sa: SensorsAnalytics, _ method: String, _ a: [String: Any]) throws -> () throws -> Void {
        func id(_ k: String) throws -> String {
            if let s = a[k] as? String { return s }
            if let n = a[k] as? NSNumber, !(a[k] is Bool) { return n.stringValue }
            throw Inexpressible(reason: "\(k) is \(String(describing: a[k]))")
        }
        func name(_ k: String) throws -> String {
            guard let s = a[k] as? String else { throw Inexpressible(reason: "\(k) is not a string") }
            return s
        }
        func map(_ k: String) throws -> [String: Any]? {
            guard let v = a[k], !(v is NSNull) else { return nil }
            guard let m = v as? [String: Any] else { throw Inexpressible(reason: "\(k) is not a dictionary") }
            return decodeMap(m)
        }
        func identity(_ v: Any?) throws -> SensorsAnalyticsIdentity {
            guard let d = v as? [String: Any], let k = d["key"] as? String, let val = d["value"] as? String else {
                throw Inexpressible(reason: "identity with a non-string key or value")
            }
            return SensorsAnalyticsIdentity(k, val)
        }
        func identities() throws -> [SensorsAnalyticsIdentity] {
            try (a["identities"] as? [Any] ?? []).map(identity)
        }
        let login = a["is_login_id"] as? Bool ?? false
        switch method {
        case "track":
            let d = try id("distinct_id"), e = try name("event_name"), p = try map("properties")
            return { try sa.track(distinctId: d, eventName: e, properties: p, isLoginId: login) }
        case "track_signup":
            let d = try id("distinct_id"), o = try id("original_id"), p = try map("properties")
            return { try sa.trackSignup(distinctId: d, originalId: o, properties: p) }
        case "profile_set", "profile_set_once", "profile_increment", "profile_append":
            let d = try id("distinct_id"), p = try map("profiles")
            switch method {
            case "profile_set": return { try sa.profileSet(distinctId: d, profiles: p, isLoginId: login) }
            case "profile_set_once": return { try sa.profileSetOnce(distinctId: d, profiles: p, isLoginId: login) }
            case "profile_increment": return { try sa.profileIncrement(distinctId: d, profiles: p, isLoginId: login) }
            default: return { try sa.profileAppend(distinctId: d, profiles: p, isLoginId: login) }
            }
        case "profile_unset":
            let d = try id("distinct_id")
            if let keys = a["profile_keys"] as? [String] {
                return { try sa.profileUnset(distinctId: d, profileKeys: keys, isLoginId: login) }
            }
            if let keys = a["profile_keys"] as? [String: Any] {
                return { try sa.profileUnset(distinctId: d, profileKeys: decodeMap(keys), isLoginId: login) }
            }
            throw Inexpressible(reason: "profile_keys is neither [String] nor a dictionary")
        case "profile_delete":
            let d = try id("distinct_id")
            return { try sa.profileDelete(distinctId: d, isLoginId: login) }
        case "item_set", "item_delete":
            let t = try name("item_type"), i = try id("item_id"), p = try map("properties")
            if method == "item_set" { return { try sa.itemSet(itemType: t, itemId: i, properties: p) } }
            return { try sa.itemDelete(itemType: t, itemId: i, properties: p) }
        case "register_super_properties":
            guard let p = try map("properties") else { throw Inexpressible(reason: "super properties are not a dictionary") }
            return { sa.registerSuperProperties(p) }
        case "clear_super_properties":
            return { sa.clearSuperProperties() }
        case "bind":
            let ids = try identities()
            return { try sa.bind(identities: ids) }
        case "unbind":
            let i = try identity(a["identity"])
            return { try sa.unbind(i) }
        case "track_by_id":
            let e = try name("event_name"), p = try map("properties"), ids = try identities()
            return { try sa.trackById(eventName: e, properties: p, identities: ids) }
        case "profile_set_by_id", "profile_set_once_by_id", "profile_append_by_id", "profile_increment_by_id":
            let p = try map("properties"), ids = try identities()
            switch method {
            case "profile_set_by_id": return { try sa.profileSetById(properties: p, identities: ids) }
            case "profile_set_once_by_id": return { try sa.profileSetOnceById(properties: p, identities: ids) }
            case "profile_append_by_id": return { try sa.profileAppendById(properties: p, identities: ids) }
            default: return { try sa.profileIncrementById(properties: p, identities: ids) }
            }
        case "profile_unset_by_id":
            let ids = try identities()
            guard let keys = a["profile_keys"] as? [String] else { throw Inexpressible(reason: "profile_keys is not [String]") }
            return { try sa.profileUnsetById(profileKeys: keys, identities: ids) }
        case "profile_delete_by_id":
            let ids = try identities()
            return { try sa.profileDeleteById(identities: ids) }
        default:
            throw Inexpressible(reason: "unknown method \(method)")
        }
    }
}

/// README "Values": tagged JSON to the Swift values a caller would pass.
func decode(_ v: Any) -> Any {
    if let d = v as? [String: Any] {
        if d.count == 1, let s = d["$datetime"] as? String { return datetime(s) }
        if d.count == 1, let s = d["$date"] as? String {
            let parts = s.split(separator: "-").compactMap { Int($0) }
            return DateComponents(year: parts[0], month: parts[1], day: parts[2])
        }
        if d.count == 1, let s = d["$float"] as? String {
            return s == "NaN" ? Double.nan : (s.hasPrefix("-") ? -Double.infinity : Double.infinity)
        }
        return decodeMap(d)
    }
    if let list = v as? [Any] { return list.map(decode) }
    return v
}

func decodeMap(_ d: [String: Any]) -> [String: Any] {
    d.mapValues(decode)
}

/// A tagged datetime as DateComponents: with its offset as `timeZone` when aware, without
/// one (local time) when naive.
private func datetime(_ s: String) -> DateComponents {
    // YYYY-MM-DDTHH:MM:SS.mmm[±HH:MM]
    let chars = Array(s)
    func int(_ from: Int, _ len: Int) -> Int { Int(String(chars[from..<from + len]))! }
    var c = DateComponents(
        year: int(0, 4), month: int(5, 2), day: int(8, 2),
        hour: int(11, 2), minute: int(14, 2), second: int(17, 2), nanosecond: int(20, 3) * 1_000_000
    )
    if chars.count > 23 {
        let sign = chars[23] == "-" ? -1 : 1
        c.timeZone = TimeZone(secondsFromGMT: sign * (int(24, 2) * 3600 + int(27, 2) * 60))
    }
    return c
}
