package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.SensorsAnalytics
import java.io.File
import java.net.ServerSocket

/**
 * The spool (`spoolDir`, issue 12) from Kotlin: what is tracked while nobody listens stays on
 * disk (close neither waits nor fails), and the next consumer on the same directory sends it.
 * Counted: every record handed over arrives.
 */
class SpoolTest {
    /** A loopback URL whose port refuses connections. */
    private fun deadUrl(): String {
        val port = ServerSocket(0).use { it.localPort }
        return "http://127.0.0.1:$port/sa?project=default"
    }

    private fun spoolFiles(dir: File) = dir.listFiles { f -> f.name.endsWith(".saspool") }?.toList() ?: emptyList()

    private fun acrossARestart(dir: File, make: (String) -> sensorsanalytics.Consumer) {
        val first = make(deadUrl())
        val sa = SensorsAnalytics(first)
        repeat(500) { sa.track("u1", "ViewProduct", mapOf("seq" to it)) }
        val started = System.nanoTime()
        sa.close()
        assertTrue(System.nanoTime() - started < 5_000_000_000L, "close waited for a receiver nobody runs")
        assertTrue(spoolFiles(dir).isNotEmpty())
        Receiver().use { r ->
            val second = make(r.url)
            val sa2 = SensorsAnalytics(second)
            repeat(20) { sa2.track("u1", "ViewProduct", mapOf("seq" to 500 + it)) }
            sa2.close()
            val seqs = r.records().map { it["properties"]["seq"].asInt() }.toSet()
            assertEquals((0 until 520).toSet(), seqs)
            val stats = (second as sensorsanalytics.NativeBackedConsumer).stats!!
            assertEquals(500L, stats.replayed.toLong())
        }
        assertEquals(emptyList<File>(), spoolFiles(dir))
    }

    @Test
    fun `AsyncBatchConsumer with a spool loses nothing across a restart`(@TempDir dir: File) =
        acrossARestart(dir) { url -> AsyncBatchConsumer(url, flushMaxTime = 0.1, spoolDir = dir.path) }

    @Test
    fun `BatchConsumer with a spool loses nothing across a restart`(@TempDir dir: File) =
        acrossARestart(dir) { url -> BatchConsumer(url, 50, 2_000, spoolDir = dir.path) }

    @Test
    fun `an unusable spool directory fails at construction`() {
        assertThrows<Exception> { AsyncBatchConsumer(deadUrl(), spoolDir = "/proc/no-spool-here") }
    }
}
