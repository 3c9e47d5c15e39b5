import Foundation
import SensorsAnalyticsUniffi

/// Swift values to the FFI's `PropertyValue`. Only conversion happens here: an unsupported
/// value is passed on as `.unsupported(<type name>)` and the core reports it, in the
/// reference's order, with the reference's text. Type names are Python's for the kinds Python
/// has (the shared vectors hold Python's messages), else `<class 'Module.Type'>`.
///
/// A `[String: Any]` has no order, so properties are written in the dictionary's iteration
/// order (the reference keeps insertion order; Swift dictionaries keep none).
enum Values {
    static func properties(_ dict: [String: Any]?) -> [Property]? {
        dict.map(propertyList)
    }

    static func propertyList(_ dict: [String: Any]) -> [Property] {
        dict.map { Property(key: $0.key, value: value($0.value)) }
    }

    static func value(_ any: Any) -> PropertyValue {
        guard let v = unwrapped(any) else { return .null }
        // Foundation numbers (JSONSerialization, Objective-C) first: an NSNumber would also
        // cast to Bool and to every integer type.
        if type(of: v) is NSNumber.Type, let n = v as? NSNumber { return number(n) }
        switch v {
        case is NSNull: return .null
        case let b as Bool: return .bool(value: b)
        case let s as String: return .str(value: s)
        case let s as Substring: return .str(value: String(s))
        case let i as Int: return .int(value: Int64(i))
        case let i as Int64: return .int(value: i)
        case let i as Int32: return .int(value: Int64(i))
        case let i as Int16: return .int(value: Int64(i))
        case let i as Int8: return .int(value: Int64(i))
        case let u as UInt8: return .int(value: Int64(u))
        case let u as UInt16: return .int(value: Int64(u))
        case let u as UInt32: return .int(value: Int64(u))
        case let u as UInt: return Int64(exactly: u).map { PropertyValue.int(value: $0) } ?? unsupported(v)
        case let u as UInt64: return Int64(exactly: u).map { PropertyValue.int(value: $0) } ?? unsupported(v)
        case let d as Double: return .float(value: d)
        // Through its shortest decimal text, so 0.1 as Float is written 0.1.
        case let f as Float: return .float(value: f.isFinite ? (Double("\(f)") ?? Double(f)) : Double(f))
        case let d as Date: return local(d)
        case let c as DateComponents: return components(c) ?? unsupported(v)
        case let list as [Any]: return strings(list)
        default: return unsupported(v)
        }
    }

    private static func unwrapped(_ any: Any) -> Any? {
        let mirror = Mirror(reflecting: any)
        guard mirror.displayStyle == .optional else { return any }
        guard let child = mirror.children.first else { return nil }
        return unwrapped(child.value)
    }

    private static func number(_ n: NSNumber) -> PropertyValue {
        switch String(cString: n.objCType) {
        case "c" where n.intValue == 0 || n.intValue == 1: return .bool(value: n.boolValue)
        case "f", "d": return .float(value: n.doubleValue)
        case "Q": return Int64(exactly: n.uint64Value).map { PropertyValue.int(value: $0) } ?? .unsupported(typeName: "<class 'int'>")
        default: return .int(value: n.int64Value)
        }
    }

    private static func strings(_ list: [Any]) -> PropertyValue {
        var out: [String] = []
        out.reserveCapacity(list.count)
        for item in list {
            guard let s = unwrapped(item) as? String else {
                return .unsupportedListElement(typeName: typeName(unwrapped(item)))
            }
            out.append(s)
        }
        return .strList(items: out)
    }

    /// A Date is an instant: written in the device's time zone, as naive (local) values are.
    private static func local(_ d: Date) -> PropertyValue {
        let offset = TimeZone.current.secondsFromGMT(for: d)
        let wall = ((d.timeIntervalSince1970 + Double(offset)) * 1000).rounded(.down)
        // Int64(_:) traps on out-of-range doubles; such a date is refused, not a crash.
        guard let millis = Int64(exactly: wall) else { return unsupported(d) }
        return .dateTime(wallMillis: millis, offsetSeconds: nil)
    }

    /// DateComponents are Swift's wall-clock values: with a year, month and day and no time
    /// of day, a date; with a time, a datetime, zone-aware when `timeZone` is set (its offset
    /// is kept, as for Python's aware datetimes), else naive (local time).
    private static func components(_ c: DateComponents) -> PropertyValue? {
        guard let y = c.year, let m = c.month, let d = c.day else { return nil }
        if c.hour == nil, c.minute == nil, c.second == nil, c.nanosecond == nil {
            guard let year = Int32(exactly: y), let month = UInt32(exactly: m), let day = UInt32(exactly: d) else { return nil }
            return .date(year: year, month: month, day: day)
        }
        var wall = c
        wall.timeZone = nil
        wall.calendar = nil
        guard let wallDate = utcCalendar.date(from: wall),
              let millis = Int64(exactly: (wallDate.timeIntervalSince1970 * 1000).rounded(.down))
        else { return nil }
        let offset = c.timeZone.map { Int32($0.secondsFromGMT(for: wallDate)) }
        return .dateTime(wallMillis: millis, offsetSeconds: offset)
    }

    private static let utcCalendar: Calendar = {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal
    }()

    private static func unsupported(_ v: Any) -> PropertyValue {
        .unsupported(typeName: typeName(v))
    }

    static func typeName(_ v: Any?) -> String {
        guard let v = v else { return "<class 'NoneType'>" }
        switch v {
        case is NSNull: return "<class 'NoneType'>"
        case is Bool: return "<class 'bool'>"
        case is Int, is Int64, is Int32, is Int16, is Int8, is UInt, is UInt64, is UInt32, is UInt16, is UInt8:
            return "<class 'int'>"
        case is Double, is Float: return "<class 'float'>"
        case is String: return "<class 'str'>"
        case is [AnyHashable: Any]: return "<class 'dict'>"
        case is [Any]: return "<class 'list'>"
        case is Date: return "<class 'datetime.datetime'>"
        case let c as DateComponents: return c.hour == nil ? "<class 'datetime.date'>" : "<class 'datetime.datetime'>"
        default: return "<class '\(String(reflecting: type(of: v)))'>"
        }
    }
}
