import Foundation
import SensorsAnalyticsSDK

/// A consumer written in Swift that keeps what it is sent.
final class CapturingConsumer: Consumer {
    private let lock = NSLock()
    private var _lines: [String] = []
    var flushes = 0
    var closes = 0

    var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }

    func send(_ message: String) throws {
        lock.lock(); defer { lock.unlock() }
        _lines.append(message)
    }

    func flush() throws { flushes += 1 }
    func close() throws { closes += 1 }

    func records() -> [[String: Any]] {
        lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    var last: [String: Any] { records().last ?? [:] }
}

extension Dictionary where Key == String, Value == Any {
    subscript(object key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
}
