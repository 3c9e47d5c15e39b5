import SensorsAnalyticsUniffi

// The HTTP consumers of the reference. Sending, batching, retries (docs/SPEC.md §4) and the
// background queue run in the core; `requestTimeout` is in milliseconds, nil for the default.
//
// Network options, the last parameters of every HTTP consumer (nil: the core's default):
// `caFile` (a PEM bundle trusted in addition to the system's CAs), `proxy`
// (`http://[user:pass@]host:port`, instead of the environment's proxies), `headers` (sent with
// every request, in order; the SDK's own Content-Type, User-Agent, Dry-Run cannot be
// replaced) and `gzip` (false sends gzip=0). A bad one is `.illegalData` from the initializer.

/// The network options as the native constructors take them.
private func network(_ caFile: String?, _ proxy: String?, _ headers: [(String, String)]?, _ gzip: Bool?) -> NetworkOptions {
    NetworkOptions(
        caFile: caFile, proxy: proxy,
        headers: (headers ?? []).map { HttpHeader(name: $0.0, value: $0.1) }, gzip: gzip
    )
}

/// Told of every batch AsyncBatchConsumer gives up on, on a sender thread: passed to the
/// user's `onError` with the error a call would have thrown.
private final class GiveUp: GiveUpListener, @unchecked Sendable {
    private let onError: (([String], SensorsAnalyticsError) -> Void)?

    init(_ onError: (([String], SensorsAnalyticsError) -> Void)?) {
        self.onError = onError
    }

    func onGiveUp(records: [String], kind: Int32, message: String) {
        print("sensorsanalytics: AsyncBatchConsumer gave up on \(records.count) records: \(message)")
        let error: SensorsAnalyticsError
        switch kind {
        case 1: error = .illegalData(message)
        case 3: error = .fileLock(message)
        case 4: error = .debug(message)
        default: error = .network(message)
        }
        onError?(records, error)
    }
}

/// `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous.
public final class DefaultConsumer: NativeBackedConsumer {
    public init(
        urlPrefix: String, requestTimeout: Int64? = nil,
        caFile: String? = nil, proxy: String? = nil, headers: [(String, String)]? = nil, gzip: Bool? = nil
    ) throws {
        let native = try translated {
            try NativeConsumer.httpDefault(
                urlPrefix: urlPrefix, requestTimeoutMs: requestTimeout.map(Double.init),
                network: network(caFile, proxy, headers, gzip)
            )
        }
        super.init(native: native)
    }
}

/// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends `maxSize` records per
/// request (at most 50) once that many wait, and on flush/close; the caller waits.
public final class BatchConsumer: NativeBackedConsumer {
    public init(
        urlPrefix: String, maxSize: Int = CoreDefaults.batchMaxSize, requestTimeout: Int64? = nil,
        spoolDir: String? = nil, spoolMaxBytes: Int64? = nil, spoolFsync: Bool? = nil,
        caFile: String? = nil, proxy: String? = nil, headers: [(String, String)]? = nil, gzip: Bool? = nil
    ) throws {
        let native = try translated {
            try NativeConsumer.batch(
                urlPrefix: urlPrefix, maxSize: Double(maxSize), requestTimeoutMs: requestTimeout.map(Double.init),
                spoolDir: spoolDir, spoolMaxBytes: spoolMaxBytes.map(Double.init), spoolFsync: spoolFsync,
                network: network(caFile, proxy, headers, gzip)
            )
        }
        super.init(native: native)
    }
}

/// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
/// max_size=1000, request_timeout=None)`: `send` only queues; a background thread sends. A nil
/// argument takes the core's default (the values above). A full queue is `.network`.
/// `onError(records, error)` is called, on a sender thread, with every batch given up on.
public final class AsyncBatchConsumer: NativeBackedConsumer {
    public init(
        urlPrefix: String,
        flushMaxTime: Double? = nil,
        flushSize: Int? = nil,
        maxBatchSize: Int? = nil,
        maxSize: Int? = nil,
        requestTimeout: Int64? = nil,
        spoolDir: String? = nil,
        spoolMaxBytes: Int64? = nil,
        spoolFsync: Bool? = nil,
        onError: (([String], SensorsAnalyticsError) -> Void)? = nil,
        caFile: String? = nil,
        proxy: String? = nil,
        headers: [(String, String)]? = nil,
        gzip: Bool? = nil
    ) throws {
        let native = try translated {
            try NativeConsumer.asyncBatch(
                urlPrefix: urlPrefix,
                flushMaxTimeSecs: flushMaxTime,
                flushSize: flushSize.map(Double.init),
                maxBatchSize: maxBatchSize.map(Double.init),
                maxSize: maxSize.map(Double.init),
                requestTimeoutMs: requestTimeout.map(Double.init),
                spoolDir: spoolDir,
                spoolMaxBytes: spoolMaxBytes.map(Double.init),
                spoolFsync: spoolFsync,
                onGiveUp: GiveUp(onError),
                network: network(caFile, proxy, headers, gzip)
            )
        }
        super.init(native: native)
    }
}

/// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: sends each record to the
/// debug API and prints the verdict; a refusal is `.debug`.
public final class DebugConsumer: NativeBackedConsumer {
    public init(
        urlPrefix: String, writeData: Bool = CoreDefaults.writeData, requestTimeout: Int64? = nil,
        caFile: String? = nil, proxy: String? = nil, headers: [(String, String)]? = nil, gzip: Bool? = nil
    ) throws {
        let native = try translated {
            try NativeConsumer.debug(
                urlPrefix: urlPrefix, writeData: writeData, requestTimeoutMs: requestTimeout.map(Double.init),
                printer: SwiftPrinter(), network: network(caFile, proxy, headers, gzip)
            )
        }
        super.init(native: native)
    }
}

/// The verdicts go through Swift's `print`, where Swift users capture output.
private final class SwiftPrinter: LinePrinter, @unchecked Sendable {
    func printLine(line: String) {
        print(line)
    }
}
