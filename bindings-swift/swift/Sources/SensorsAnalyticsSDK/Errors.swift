import Foundation
import SensorsAnalyticsUniffi

/// The SDK's errors, one case per exception of the reference. `debug` stands for
/// SensorsAnalyticsDebugException, which in the reference is not a SensorsAnalyticsException:
/// match it on its own rather than with the others.
public enum SensorsAnalyticsError: Error, Equatable, CustomStringConvertible {
    /// Bad input: a name, id, value or identity the platform would refuse.
    case illegalData(String)
    /// A send failed, or the async queue was full.
    case network(String)
    /// ConcurrentLoggingConsumer could not lock or write its file.
    case fileLock(String)
    /// DebugConsumer got an answer with status >= 300.
    case debug(String)

    /// The core's text, word for word the reference's.
    public var message: String {
        switch self {
        case .illegalData(let m), .network(let m), .fileLock(let m), .debug(let m): return m
        }
    }

    public var description: String { message }

    init(_ e: SaError) {
        switch e {
        case .IllegalData(let reason): self = .illegalData(reason)
        case .Network(let reason): self = .network(reason)
        case .FileLock(let reason): self = .fileLock(reason)
        case .Debug(let reason): self = .debug(reason)
        }
    }
}

/// Runs a call into the library and turns its error into the public one. A user consumer's
/// own error that travelled through the core comes back out as itself.
func translated<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as SaError {
        if let parked = UserConsumerFailure.take(for: e) { throw parked }
        throw SensorsAnalyticsError(e)
    }
}

/// A user consumer runs on the calling thread, inside a library call. What it throws is parked
/// here while the core unwinds with a Network error carrying a unique reason, then rethrown
/// by `translated`.
enum UserConsumerFailure {
    private static let key = "sensorsanalytics.parkedConsumerError"

    private final class Parked {
        let reason: String
        let error: Error
        init(reason: String, error: Error) {
            self.reason = reason
            self.error = error
        }
    }

    static func park(_ error: Error) -> SaError {
        let reason = "consumer failed: \(error) (#\(UUID().uuidString))"
        Thread.current.threadDictionary[key] = Parked(reason: reason, error: error)
        return .Network(reason: reason)
    }

    static func take(for e: SaError) -> Error? {
        guard let parked = Thread.current.threadDictionary[key] as? Parked else { return nil }
        Thread.current.threadDictionary.removeObject(forKey: key)
        if case .Network(let reason) = e, reason == parked.reason { return parked.error }
        return nil
    }
}
