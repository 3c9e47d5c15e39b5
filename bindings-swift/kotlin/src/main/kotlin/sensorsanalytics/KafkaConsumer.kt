package sensorsanalytics

import sensorsanalytics.uniffi.NativeConsumer

/**
 * `KafkaConsumer(bootstrap_servers, topic, max_size=100000, settings={})`: each record, the
 * same JSON line the other consumers write, as one message on [topic], keyed by its
 * distinct_id (`item_type:item_id` for items) so that one user's records stay in order, with
 * acks=all, idempotence and lz4. `send` only queues ([maxSize] records at most; a full queue
 * is a [SensorsAnalyticsNetworkException]); `flush`/`close` wait up to 10 s for delivery and
 * throw [SensorsAnalyticsNetworkException] naming what is pending or was given up on.
 * [settings] are librdkafka's (SASL, TLS, `client.id`, `linger.ms`, ...); values are passed
 * as their text. A null [maxSize] takes the core's default.
 *
 * With [spoolDir] (and `spoolMaxBytes`, `spoolFsync`, as for AsyncBatchConsumer), what
 * librdkafka cannot deliver is written to that directory instead of being given up on (records
 * the broker did not take within `message.timeout.ms`, records meeting a full queue, what
 * `close`'s bound leaves) and produced again when the broker is back, by this process or the
 * next one that opens the directory.
 *
 * `onError(records, exception)` is called, on one of librdkafka's threads, with every record
 * given up on outside `flush`/`close` (without a spool: the broker did not take it within
 * `message.timeout.ms`); each is also logged as a warning and counted in `stats.failed`, as
 * [AsyncBatchConsumer]'s.
 */
class KafkaConsumer @JvmOverloads constructor(
    bootstrapServers: String,
    topic: String,
    maxSize: Int? = null,
    settings: Map<String, Any> = emptyMap(),
    spoolDir: String? = null,
    spoolMaxBytes: Long? = null,
    spoolFsync: Boolean? = null,
    onError: ((records: List<String>, error: Exception) -> Unit)? = null,
) : NativeBackedConsumer(
    translated {
        NativeConsumer.kafka(
            bootstrapServers, topic, maxSize?.toLong(), settings.mapValues { it.value.toString() },
            spoolDir, spoolMaxBytes?.toDouble(), spoolFsync, GiveUp("KafkaConsumer", onError),
        )
    },
)
