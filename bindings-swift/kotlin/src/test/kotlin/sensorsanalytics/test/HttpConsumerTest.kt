package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.DebugConsumer
import sensorsanalytics.DefaultConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsDebugException
import sensorsanalytics.SensorsAnalyticsException
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.net.ServerSocket

/** The HTTP consumers against tests/receiver on 127.0.0.1. */
class HttpConsumerTest {
    @Test
    fun `DefaultConsumer sends each record at once`() = Receiver().use { r ->
        val consumer = DefaultConsumer(r.url, requestTimeout = 5_000)
        val sa = SensorsAnalytics(consumer)
        sa.track("u1", "E", mapOf("p" to 1))
        sa.profileSet("u1", mapOf("a" to "b"))
        val records = r.records()
        assertEquals(listOf("track", "profile_set"), records.map { it["type"].asText() })
        assertEquals("Kotlin", records[0]["lib"]["\$lib"].asText())
        assertEquals(listOf("data", "data"), r.requests().map { it["field"].asText() })
        assertEquals(2L, consumer.stats!!.sent.toLong())
        sa.close()
    }

    @Test
    fun `BatchConsumer sends max_size records per request`() = Receiver().use { r ->
        val sa = SensorsAnalytics(BatchConsumer(r.url, maxSize = 3))
        repeat(7) { sa.track("u1", "E", mapOf("i" to it)) }
        assertEquals(6, r.records().size, "two full batches sent, one record waits")
        sa.flush()
        assertEquals((0 until 7).toList(), r.records().map { it["properties"]["i"].asInt() })
        assertEquals(listOf(3, 3, 1), r.requests().map { it["records"].asInt() })
        assertEquals(listOf("data_list"), r.requests().map { it["field"].asText() }.distinct())
        sa.close()
    }

    @Test
    fun `AsyncBatchConsumer sends in the background and drains on close`() = Receiver().use { r ->
        val consumer = AsyncBatchConsumer(r.url, flushMaxTime = 0.1, flushSize = 10)
        val sa = SensorsAnalytics(consumer)
        repeat(25) { sa.track("u1", "E", mapOf("i" to it)) }
        sa.close()
        assertEquals((0 until 25).toSet(), r.records().map { it["properties"]["i"].asInt() }.toSet())
        assertEquals(25L, consumer.stats!!.sent.toLong())
    }

    @Test
    fun `AsyncBatchConsumer onError gets every record a 400 made it give up on`() =
        Receiver("--default-status", "400").use { r ->
            val given = java.util.concurrent.ConcurrentLinkedQueue<Pair<List<String>, Exception>>()
            val consumer = AsyncBatchConsumer(r.url, flushSize = 5, onError = { records, e -> given.add(records to e) })
            val sa = SensorsAnalytics(consumer)
            repeat(10) { sa.track("u$it", "E", mapOf("i" to it)) }
            assertThrows<SensorsAnalyticsNetworkException> { sa.close() }
            val records = given.flatMap { it.first }
            assertEquals(10, records.size)
            assertEquals((0 until 10).map { "u$it" }.toSet(), records.map { json.readTree(it)["distinct_id"].asText() }.toSet())
            assertTrue(given.all { it.second is SensorsAnalyticsNetworkException && it.second.message!!.contains("400") })
            assertEquals(10L, consumer.stats!!.failed.toLong())
            // A final answer is not retried.
            assertEquals(0L, consumer.stats!!.retried.toLong())
        }

    @Test
    fun `AsyncBatchConsumer retries a 503`() = Receiver("--status-seq", "503").use { r ->
        val consumer = AsyncBatchConsumer(r.url, flushMaxTime = 0.05)
        val sa = SensorsAnalytics(consumer)
        sa.track("u1", "E")
        sa.flush()
        assertEquals(1, r.records().size)
        assertTrue(consumer.stats!!.retried.toLong() >= 1)
        sa.close()
    }

    @Test
    fun `a failed send is a NetworkException`() {
        val port = ServerSocket(0).use { it.localPort } // closed again: nothing listens there
        val sa = SensorsAnalytics(DefaultConsumer("http://127.0.0.1:$port/sa?project=default", requestTimeout = 2_000))
        val e = assertThrows<SensorsAnalyticsNetworkException> { sa.track("u1", "E") }
        assertTrue(e is SensorsAnalyticsException)
        Receiver("--status-seq", "500").use { r ->
            val sa2 = SensorsAnalytics(DefaultConsumer(r.url))
            assertThrows<SensorsAnalyticsNetworkException> { sa2.track("u1", "E") }
        }
    }

    @Test
    fun `DebugConsumer posts to the debug path, dry run when asked`() = Receiver().use { r ->
        val sa = SensorsAnalytics(DebugConsumer(r.url, writeData = false))
        // The verdict is printed through System.out (Kotlin's println), not past it.
        val captured = java.io.ByteArrayOutputStream()
        val stdout = System.out
        System.setOut(java.io.PrintStream(captured, true, "UTF-8"))
        try {
            sa.track("u1", "E")
        } finally {
            System.setOut(stdout)
        }
        assertTrue(captured.toString("UTF-8").contains("valid message: {"), captured.toString("UTF-8"))
        val req = r.requests().single()
        assertTrue(req["path"].asText().endsWith("/debug"), req.toString())
        assertEquals("true", req["dry_run"].asText())
        sa.close()
    }

    @Test
    fun `DebugConsumer refused is a DebugException, not a SensorsAnalyticsException`() = Receiver("--status-seq", "400").use { r ->
        val sa = SensorsAnalytics(DebugConsumer(r.url))
        val e: Exception = assertThrows<SensorsAnalyticsDebugException> { sa.track("u1", "E") }
        assertTrue(e !is SensorsAnalyticsException)
    }

    @Test
    fun `a bad URL is refused at construction`() {
        assertThrows<SensorsAnalyticsIllegalDataException> { DefaultConsumer("not a url") }
    }
}
