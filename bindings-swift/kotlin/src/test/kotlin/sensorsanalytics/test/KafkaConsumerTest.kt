package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.Consumer
import sensorsanalytics.KafkaConsumer
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.io.File
import java.nio.file.Files

/**
 * KafkaConsumer against a real local Kafka broker, reached through tests/kafka's
 * `sa-kafka-tool` (staged by build-native.sh): what a consumer group reads back equals what
 * LoggingConsumer writes for the same records, each user's in order. Skipped only where there
 * can be no broker, and never with SA_REQUIRE_KAFKA=1 (CI).
 */
class KafkaConsumerTest {
    private fun broker(): String {
        val (code, out) = if (KafkaTool.file.canExecute()) KafkaTool.run("broker") else 3 to ""
        if (code != 0 && System.getenv("SA_REQUIRE_KAFKA") != "1") assumeTrue(false, "no local Kafka broker")
        check(code == 0) { "SA_REQUIRE_KAFKA=1 but sa-kafka-tool broker failed ($code)" }
        return out.trim()
    }

    /** Hands each record to both consumers: the same line to Kafka and to the file. */
    private class Tee(private vararg val consumers: Consumer) : Consumer {
        override fun send(msg: String) = consumers.forEach { it.send(msg) }
        override fun flush() = consumers.forEach { it.flush() }
        override fun close() = consumers.forEach { it.close() }
    }

    private fun keyOf(line: String): String {
        val r = json.readTree(line)
        val type = r["type"].asText()
        return if (type.startsWith("item_")) "${r["item_type"].asText()}:${r["item_id"].asText()}" else r["distinct_id"].asText()
    }

    @Test
    fun `records read back equal LoggingConsumer's, each user's in order`() {
        val bootstrap = broker()
        val topic = "sa-kotlin-${ProcessHandle.current().pid()}-${System.nanoTime()}"
        assertEquals(0, KafkaTool.run("create", bootstrap, topic, "3").first)
        val kafka = KafkaConsumer(bootstrap, topic, settings = mapOf("linger.ms" to 2, "client.id" to "sa-kotlin-test"))
        val dir = Files.createTempDirectory("sa-kotlin-kafka")
        val file = dir.resolve("sa.log").toString()
        val sa = SensorsAnalytics(Tee(kafka, LoggingConsumer(file)))
        val users = 4
        val perUser = 100
        for (seq in 0 until perUser) for (u in 0 until users) sa.track("user-$u", "ViewProduct", mapOf("seq" to seq))
        sa.itemSet("book", "b-1", mapOf("price" to 9.5))
        sa.flush()
        val total = users * perUser + 1
        val s = kafka.stats!!
        assertEquals(listOf(total.toULong(), 0UL, 0UL, 0UL), listOf(s.sent, s.failed, s.dropped, s.queueDepth))
        sa.close()

        val written = File(file).readLines().filter { it.isNotEmpty() }
        assertEquals(total, written.size)
        val (code, out) = KafkaTool.run("read", bootstrap, topic, total.toString(), "60")
        assertEquals(0, code)
        val read = out.lines().filter { it.isNotEmpty() }.map { json.readTree(it) }
        assertEquals(total, read.size)
        val partitionOf = HashMap<String, Int>()
        for (m in read) {
            val p = partitionOf.getOrPut(m["key"].asText()) { m["partition"].asInt() }
            assertEquals(p, m["partition"].asInt(), "one partition per key")
        }
        val byKeyRead = read.groupBy({ it["key"].asText() }, { it["value"].asText() })
        val byKeyWritten = written.groupBy({ keyOf(it) }, { it })
        assertEquals(byKeyWritten, byKeyRead)
    }

    @Test
    fun `an unknown topic is a SensorsAnalyticsNetworkException on flush`() {
        val bootstrap = broker()
        val kafka = KafkaConsumer(bootstrap, "sa-kotlin-no-such-topic", settings = mapOf("topic.metadata.propagation.max.ms" to 1000))
        val sa = SensorsAnalytics(kafka)
        sa.track("u", "Missing", emptyMap())
        val e = assertThrows<SensorsAnalyticsNetworkException> { sa.flush() }
        assertTrue(e.message!!.contains("topic 'sa-kotlin-no-such-topic' does not exist"), e.message)
        assertEquals(1UL, kafka.stats!!.failed)
        sa.close()
    }

    @Test
    fun `bad arguments are SensorsAnalyticsIllegalDataException`() {
        assertThrows<SensorsAnalyticsIllegalDataException> { KafkaConsumer("127.0.0.1:9", "has space") }
        val e = assertThrows<SensorsAnalyticsIllegalDataException> {
            KafkaConsumer("127.0.0.1:9", "t", settings = mapOf("bootstrap.servers" to "x:1"))
        }
        assertTrue(e.message!!.contains("bootstrap_servers argument"), e.message)
        assertThrows<SensorsAnalyticsIllegalDataException> { KafkaConsumer("127.0.0.1:9", "t", settings = mapOf("no.such.setting" to 1)) }
    }

    @Test
    fun `a record an unreachable broker never took is handed to onError with no flush or close waiting`() {
        // Nothing listens on port 9: librdkafka gives up after message.timeout.ms, on its own thread.
        val calls = java.util.concurrent.LinkedBlockingQueue<Pair<List<String>, Exception>>()
        val kafka = KafkaConsumer(
            "127.0.0.1:9", "t", settings = mapOf("message.timeout.ms" to 300),
            onError = { records, error -> calls.add(records to error) },
        )
        kafka.send("{\"distinct_id\":\"u1\",\"event\":\"E\"}")
        val (records, error) = calls.poll(10, java.util.concurrent.TimeUnit.SECONDS) ?: error("onError was not called")
        assertEquals(listOf("{\"distinct_id\":\"u1\",\"event\":\"E\"}"), records)
        assertTrue(error is SensorsAnalyticsNetworkException, error.toString())
        assertEquals(1UL, kafka.stats!!.failed)
        kafka.close()
        assertTrue(calls.isEmpty(), "told once")
    }

    @Test
    fun `with spoolDir, records an unreachable broker did not take are spooled, not given up`() {
        // Nothing listens on port 9: a full queue of 1 and close's bound send records to the spool.
        val dir = Files.createTempDirectory("sa-kotlin-kafka-spool").toFile()
        val kafka = KafkaConsumer(
            "127.0.0.1:9", "t", maxSize = 1, settings = mapOf("message.timeout.ms" to 500), spoolDir = dir.path,
        )
        for (i in 0 until 3) kafka.send("{\"distinct_id\":\"u$i\"}")
        kafka.close()
        val s = kafka.stats!!
        assertEquals(listOf(3UL, 0UL, 0UL, 0UL), listOf(s.spooled, s.sent, s.failed, s.dropped))
        assertTrue(dir.listFiles()!!.isNotEmpty(), "the records wait on disk")
        dir.deleteRecursively()
    }
}
