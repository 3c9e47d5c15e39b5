import SensorsAnalyticsUniffi

/// Where records go: anything with `send`, `flush` and `close`, as in the reference. Implement
/// it to capture or forward records yourself; the SDK's own consumers below run natively.
public protocol Consumer: AnyObject {
    /// Takes one record as a JSON line (no trailing newline).
    func send(_ message: String) throws
    func flush() throws
    func close() throws
}

public extension Consumer {
    func flush() throws {}
    func close() throws {}
}

/// A consumer implemented by the core. The client hands it records without leaving native
/// code; calling `send` from Swift works too.
public class NativeBackedConsumer: Consumer {
    let native: NativeConsumer

    init(native: NativeConsumer) {
        self.native = native
    }

    public func send(_ message: String) throws {
        try translated { try native.send(record: message) }
    }

    public func flush() throws {
        try translated { try native.flush() }
    }

    public func close() throws {
        try translated { try native.shutdown() }
    }

    /// An HTTP consumer's counters (sent, failed, dropped, retried, ...); nil for the others.
    public var stats: HttpStats? { native.stats() }
}

/// Core's consumer defaults, read once through uniffi: the default arguments below show them
/// without this package retyping a number. Every number a user gives goes to core as it is,
/// for core's one rule (negative: an error; fractional: rounded; too large: capped).
/// (`@usableFromInline`: a public initializer's default argument may only name such.)
@usableFromInline
enum CoreDefaults {
    static let values = consumerDefaults()
    @usableFromInline static var backupCount: Int { Int(values.backupCount) }
    @usableFromInline static var when: String { values.when }
    @usableFromInline static var bufferSize: Int { Int(values.bufferSize) }
    @usableFromInline static var batchMaxSize: Int { Int(values.batchMaxSize) }
    @usableFromInline static var writeData: Bool { values.writeData }
}

/// `ConsoleConsumer()`: one JSON line per record on stdout.
public final class ConsoleConsumer: NativeBackedConsumer {
    public init() {
        super.init(native: NativeConsumer.console())
    }
}

/// `LoggingConsumer(prefix, backupCount=0, when='midnight')`: appends to the file `prefix`,
/// rotated on time like Python's TimedRotatingFileHandler.
public final class LoggingConsumer: NativeBackedConsumer {
    public init(prefix: String, backupCount: Int = CoreDefaults.backupCount, when: String = CoreDefaults.when) throws {
        let native = try translated {
            try NativeConsumer.logging(prefix: prefix, backupCount: Double(backupCount), when: when)
        }
        super.init(native: native)
    }
}

/// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`: writes `prefix.YYYY-MM-DD` under an
/// exclusive file lock, so many processes can share one file.
public final class ConcurrentLoggingConsumer: NativeBackedConsumer {
    public init(prefix: String, bufferSize: Int = CoreDefaults.bufferSize) throws {
        let native = try translated {
            try NativeConsumer.concurrentLogging(prefix: prefix, bufferSize: Double(bufferSize))
        }
        super.init(native: native)
    }
}

/// Lets the core call a user's `Consumer`; what it throws is parked for the caller.
final class ForeignAdapter: ForeignConsumer, @unchecked Sendable {
    private let user: Consumer

    init(_ user: Consumer) {
        self.user = user
    }

    func send(record: String) throws {
        try guarded { try user.send(record) }
    }

    func flush() throws {
        try guarded { try user.flush() }
    }

    func shutdown() throws {
        try guarded { try user.close() }
    }

    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw UserConsumerFailure.park(error)
        }
    }
}
