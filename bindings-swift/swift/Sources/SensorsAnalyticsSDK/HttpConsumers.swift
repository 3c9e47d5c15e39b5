import SensorsAnalyticsUniffi

// The HTTP consumers of the reference. Sending, batching, retries (docs/SPEC.md §4) and the
// background queue run in the core; `requestTimeout` is in milliseconds, nil for the default.

/// `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous.
public final class DefaultConsumer: NativeBackedConsumer {
    public init(urlPrefix: String, requestTimeout: Int64? = nil) throws {
        let native = try translated { try NativeConsumer.httpDefault(urlPrefix: urlPrefix, requestTimeoutMs: requestTimeout.map(Double.init)) }
        super.init(native: native)
    }
}

/// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends `maxSize` records per
/// request (at most 50) once that many wait, and on flush/close; the caller waits.
public final class BatchConsumer: NativeBackedConsumer {
    public init(
        urlPrefix: String, maxSize: Int = CoreDefaults.batchMaxSize, requestTimeout: Int64? = nil,
        spoolDir: String? = nil, spoolMaxBytes: Int64? = nil, spoolFsync: Bool? = nil
    ) throws {
        let native = try translated {
            try NativeConsumer.batch(
                urlPrefix: urlPrefix, maxSize: Double(maxSize), requestTimeoutMs: requestTimeout.map(Double.init),
                spoolDir: spoolDir, spoolMaxBytes: spoolMaxBytes.map(Double.init), spoolFsync: spoolFsync
            )
        }
        super.init(native: native)
    }
}

/// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
/// max_size=1000, request_timeout=None)`: `send` only queues; a background thread sends. A nil
/// argument takes the core's default (the values above). A full queue is `.network`.
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
        spoolFsync: Bool? = nil
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
                spoolFsync: spoolFsync
            )
        }
        super.init(native: native)
    }
}

/// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: sends each record to the
/// debug API and prints the verdict; a refusal is `.debug`.
public final class DebugConsumer: NativeBackedConsumer {
    public init(urlPrefix: String, writeData: Bool = CoreDefaults.writeData, requestTimeout: Int64? = nil) throws {
        let native = try translated {
            try NativeConsumer.debug(
                urlPrefix: urlPrefix, writeData: writeData, requestTimeoutMs: requestTimeout.map(Double.init),
                printer: SwiftPrinter()
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
