package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import sensorsanalytics.KafkaConsumer
import sensorsanalytics.SensorsAnalytics
import java.nio.file.Files

/**
 * KafkaConsumer with spoolDir through a broker stopped in the middle of a burst and restarted
 * (a broker of this test's own): what librdkafka gives up on while the broker is down
 * (message.timeout.ms, 3 s here) goes to the spool and is produced again once it is back.
 * Counted end to end: every record handed over is read back from the topic with a consumer
 * group; a duplicate may only repeat a record exactly (the same _track_id).
 */
class KafkaRestartTest {
    @Test
    fun `with spoolDir, a broker stopped mid-burst and restarted loses nothing`() {
        val required = System.getenv("SA_REQUIRE_KAFKA") == "1"
        if (!KafkaTool.file.canExecute()) {
            check(!required) { "SA_REQUIRE_KAFKA=1 but there is no sa-kafka-tool at ${KafkaTool.file}" }
            assumeTrue(false, "no sa-kafka-tool")
        }
        val broker = OwnBroker.start("kotlin-spool-restart")
        if (broker == null) {
            check(!required) { "SA_REQUIRE_KAFKA=1 but no broker of the test's own could start" }
            assumeTrue(false, "no broker of the test's own (java or mvn missing)")
            return
        }
        broker.use {
            val started = System.nanoTime()
            val topic = "sa-kotlin-spool-${ProcessHandle.current().pid()}-${System.nanoTime()}"
            assertEquals(0, KafkaTool.run("create", broker.bootstrap, topic, "3").first)
            val spool = Files.createTempDirectory("sa-kotlin-kafka-restart").toFile()
            val givenUp = java.util.concurrent.atomic.AtomicInteger()
            val kafka = KafkaConsumer(
                broker.bootstrap, topic,
                settings = mapOf("message.timeout.ms" to 3000, "reconnect.backoff.max.ms" to 500),
                spoolDir = spool.path,
                onError = { records, _ -> givenUp.addAndGet(records.size) },
            )
            val sa = SensorsAnalytics(kafka)
            val n = 10000
            fun track(from: Int, to: Int) {
                for (i in from until to) sa.track("user-${i % 50}", "Burst", mapOf("seq" to i))
            }
            track(0, n / 2)
            val firstSent = System.nanoTime() + 20_000_000_000L
            while (kafka.stats!!.sent == 0UL && System.nanoTime() < firstSent) Thread.sleep(10)
            broker.stop()
            track(n / 2, n)
            Thread.sleep(5000) // past message.timeout.ms: librdkafka gives up, into the spool
            assertTrue(kafka.stats!!.spooled > 0UL, kafka.stats.toString())
            broker.restart()
            // Delivered once the spool is empty: a segment is deleted when all of it is produced.
            val end = System.nanoTime() + 90_000_000_000L
            while (true) {
                runCatching { sa.flush() } // while the spool still holds records, flush may name them
                if (spool.list()!!.isEmpty()) break
                check(System.nanoTime() < end) { "${kafka.stats} ${spool.list()!!.toList()}" }
                Thread.sleep(500)
            }
            sa.close()
            val s = kafka.stats!!
            assertEquals(listOf(0UL, 0UL, 0), listOf(s.failed, s.dropped, givenUp.get()), s.toString())

            val (code, out) = KafkaTool.run("read", broker.bootstrap, topic, n.toString(), "90")
            assertEquals(0, code)
            val read = out.lines().filter { it.isNotEmpty() }.map { json.readTree(it) }
            val firstText = HashMap<Int, String>()
            var duplicated = 0
            for (m in read) {
                val value = m["value"].asText()
                val record = json.readTree(value)
                assertEquals(record["distinct_id"].asText(), m["key"].asText())
                val seq = record["properties"]["seq"].asInt()
                assertTrue(seq in 0 until n, value)
                val first = firstText.putIfAbsent(seq, value)
                if (first != null) {
                    duplicated++
                    assertEquals(first, value, "a duplicate repeats its record exactly")
                }
            }
            val lost = n - firstText.size
            println(
                "kafka restart: $n handed over, ${read.size} read back, $lost lost, $duplicated duplicated, " +
                    "${s.spooled} spooled, ${s.sent} acknowledged, ${"%.1f".format((System.nanoTime() - started) / 1e9)} s",
            )
            assertEquals(0, lost)
            spool.deleteRecursively()
        }
    }
}
