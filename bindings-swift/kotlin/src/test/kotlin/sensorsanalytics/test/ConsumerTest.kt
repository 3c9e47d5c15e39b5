package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import sensorsanalytics.ConcurrentLoggingConsumer
import sensorsanalytics.ConsoleConsumer
import sensorsanalytics.Consumer
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsFileLockException
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.io.File
import java.io.IOException
import java.time.LocalDate

/** The file and console consumers, and consumers written in Kotlin. */
class ConsumerTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `LoggingConsumer appends one line per record`() {
        val path = File(dir, "sa.log")
        val sa = SensorsAnalytics(LoggingConsumer(path.path))
        repeat(3) { sa.track("u1", "E", mapOf("i" to it)) }
        sa.flush()
        val lines = path.readLines()
        assertEquals(3, lines.size)
        assertEquals(2, json.readTree(lines[2])["properties"]["i"].asInt())
        sa.close()
    }

    @Test
    fun `LoggingConsumer takes Python's when values`() {
        LoggingConsumer(File(dir, "h.log").path, backupCount = 2, `when` = "H").close()
        LoggingConsumer(File(dir, "w.log").path, `when` = "W6").close()
        val e = assertThrows<SensorsAnalyticsIllegalDataException> { LoggingConsumer(File(dir, "x.log").path, `when` = "fortnight") }
        assertEquals("Invalid rollover interval specified: FORTNIGHT", e.message)
    }

    @Test
    fun `ConcurrentLoggingConsumer writes prefix dot date`() {
        val prefix = File(dir, "access.log").path
        val consumer = ConcurrentLoggingConsumer(prefix, bufferSize = 2)
        val sa = SensorsAnalytics(consumer)
        val file = File("$prefix.${LocalDate.now()}")
        fun lines() = if (file.exists()) file.readLines().size else 0
        repeat(2) { sa.track("u1", "E") }
        assertEquals(0, lines(), "up to bufferSize records wait")
        sa.track("u1", "E")
        // One more writes the buffer (Python: len > bufferSize), on the consumer's writer
        // thread, just after the call.
        val deadline = System.nanoTime() + 10_000_000_000L
        while (lines() < 3 && System.nanoTime() < deadline) Thread.sleep(1)
        assertEquals(3, lines(), "one more writes the buffer")
        sa.track("u1", "E")
        sa.close()
        assertEquals(4, lines(), "close writes the rest")
    }

    @Test
    fun `an unusable file is a FileLockException`() {
        val e = assertThrows<SensorsAnalyticsFileLockException> { ConcurrentLoggingConsumer(File(dir, "no/such/dir/x").path) }
        assertTrue(e.message!!.contains("no/such/dir"), e.message)
    }

    @Test
    fun `ConsoleConsumer prints one line per record`() {
        // It writes to the process's stdout (fd 1), past System.out, so it runs in a child JVM
        // whose output we read (and Surefire's channel on our own stdout stays clean).
        val java = File(System.getProperty("java.home"), "bin/java").path
        val child = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ConsoleMain::class.java.name)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val lines = child.inputStream.bufferedReader().readLines()
        assertEquals(0, child.waitFor())
        assertEquals(listOf("ConsoleCheck", "ConsoleCheck2"), lines.map { json.readTree(it)["event"].asText() })
    }

    @Test
    fun `our consumers can be called directly`() {
        val path = File(dir, "direct.log")
        val c = LoggingConsumer(path.path)
        c.send("""{"a":1}""")
        c.flush()
        assertEquals(listOf("""{"a":1}"""), path.readLines())
        c.close()
    }

    @Test
    fun `a Kotlin consumer's exception reaches the caller unchanged`() {
        val boom = IOException("disk full")
        val failing = object : Consumer {
            override fun send(msg: String) = throw boom
        }
        val sa = SensorsAnalytics(failing)
        val e = assertThrows<IOException> { sa.track("u1", "E") }
        assertSame(boom, e)
        // The next call is not haunted by the last failure.
        val ok = SensorsAnalytics(CapturingConsumer())
        ok.track("u1", "E")
    }

    @Test
    fun `a Kotlin consumer may throw the SDK's exceptions`() {
        val failing = object : Consumer {
            override fun send(msg: String) = throw SensorsAnalyticsNetworkException("queue full")
            override fun flush() = throw IllegalStateException("flush failed")
        }
        val sa = SensorsAnalytics(failing)
        assertEquals("queue full", assertThrows<SensorsAnalyticsNetworkException> { sa.track("u1", "E") }.message)
        assertEquals("flush failed", assertThrows<IllegalStateException> { sa.flush() }.message)
        sa.close()
    }

    @Test
    fun `a Kotlin consumer may track from send`() {
        // The core builds each line in a per-thread buffer; re-entering must not corrupt it.
        lateinit var sa: SensorsAnalytics
        val inner = CapturingConsumer()
        val nested = object : Consumer {
            override fun send(msg: String) {
                inner.send(msg)
                if (inner.lines.size == 1) sa.track("u2", "Nested")
            }
        }
        sa = SensorsAnalytics(nested)
        sa.track("u1", "Outer")
        assertEquals(listOf("Outer", "Nested"), inner.records().map { it["event"].asText() })
    }
}

/** The child process of the ConsoleConsumer test. */
object ConsoleMain {
    @JvmStatic
    fun main(args: Array<String>) {
        val sa = SensorsAnalytics(ConsoleConsumer())
        sa.track("u1", "ConsoleCheck")
        sa.track("u1", "ConsoleCheck2")
        sa.close()
    }
}
