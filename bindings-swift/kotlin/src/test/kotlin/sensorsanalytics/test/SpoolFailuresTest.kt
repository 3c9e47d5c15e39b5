package sensorsanalytics.test

import com.fasterxml.jackson.databind.JsonNode
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * Issue 12's failures from Kotlin, beside SpoolTest: a receiver failing about half its requests
 * (with and without a spool, within AsyncBatchConsumer's default close bound), a receiver down
 * then back within one process, a SIGKILL mid-burst then a restart, four processes sharing one
 * spool directory, a torn tail, a full spool, a read-only directory and disk-full writes
 * (RLIMIT_FSIZE). The other processes are child JVMs running [SpoolChild].
 *
 * Not here: fork of a process with a spool. The JVM cannot fork (there is no fork() a JVM
 * program can call and keep running Java in the child); a JVM service shares a spool between
 * separate processes, which the four-process test covers.
 *
 * Every test ends by counting records received against records handed over: 0 lost, and a
 * duplicate only with the same `_track_id`.
 */
class SpoolFailuresTest {
    private fun spoolFiles(dir: File) = dir.listFiles { f -> f.name.endsWith(".saspool") }?.toList() ?: emptyList()

    /** Every seq in [expected] arrived; duplicates only with the same _track_id. */
    private fun assertNoneLost(records: List<JsonNode>, expected: Collection<Int>, label: String) {
        val ids = HashMap<Int, MutableSet<Long>>()
        for (r in records) ids.getOrPut(r["properties"]["seq"].asInt()) { HashSet() }.add(r["_track_id"].asLong())
        val lost = expected.filter { it !in ids }
        println("$label: ${expected.size} handed over, ${records.size} received, ${lost.size} lost, ${records.size - ids.size} duplicated")
        assertEquals(emptyList<Int>(), lost.take(10), "lost ${lost.size}")
        assertTrue(ids.values.all { it.size == 1 }, "a record arrived twice with different _track_ids")
    }

    /** Polls until the receiver (started down) answers, within [timeoutMs]. */
    private fun waitUp(r: Receiver, timeoutMs: Long = 30_000) {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (true) {
            try {
                r.records()
                return
            } catch (e: Exception) {
                if (System.currentTimeMillis() > deadline) throw AssertionError("the receiver did not come back", e)
                Thread.sleep(50)
            }
        }
    }

    /** A child JVM running SpoolChild with [args]; [wrap] puts a shell command before it. */
    private fun child(vararg args: String, wrap: String? = null): Process {
        val java = ProcessHandle.current().info().command().orElse("java")
        val cmd = listOf(java, "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), SpoolChild::class.java.name) + args
        val full = if (wrap == null) cmd else listOf("bash", "-c", "$wrap; exec \"$@\"", "bash") + cmd
        return ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    }

    private fun runChild(vararg args: String, wrap: String? = null): String {
        val p = child(*args, wrap = wrap)
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "child did not finish")
        assertEquals(0, p.exitValue(), "child ${args.toList()} failed")
        return out.trim()
    }

    private fun halfFailing(dir: File?) {
        // The issue's receiver: 500s, dropped connections, resets, 429s with Retry-After: 1.
        val statuses = (List(40) { "200" } + List(3) { "429" }).joinToString(",")
        Receiver(
            "--status-seq", statuses, "--retry-after", "1", "--fail-rate", "0.35", "--fail-status", "500",
            "--drop-rate", "0.1", "--reset-rate", "0.05", "--seed", "3",
        ).use { r ->
            val consumer = AsyncBatchConsumer(
                r.url, flushMaxTime = 1.0, flushSize = 50, maxBatchSize = 50, maxSize = 20_000, requestTimeout = 2_000,
                spoolDir = dir?.path,
            )
            val sa = SensorsAnalytics(consumer)
            repeat(10_000) { sa.track("u${it % 50}", "ViewProduct", mapOf("seq" to it)) }
            val started = System.nanoTime()
            sa.close()
            val took = (System.nanoTime() - started) / 1e9
            var label = "kotlin 50% failing, ${if (dir == null) "no spool" else "spool"} (close ${"%.1f".format(took)} s"
            if (dir != null) {
                // With a spool, what close's bound did not see delivered stays spooled, not
                // lost: the next consumer on the directory sends it.
                val before = r.records().size
                AsyncBatchConsumer(r.url, spoolDir = dir.path).close()
                label += ", $before by close"
            }
            assertNoneLost(r.records(), (0 until 10_000).toList(), "$label)")
            // Without a spool the issue asks for everything within the default bound (10 s);
            // with one, close must still keep to its bound.
            assertTrue(took < (if (dir == null) 10.5 else 12.0), "close took $took s")
            assertEquals(0L, consumer.stats!!.failed.toLong())
        }
    }

    @Test
    fun `a 50 percent failing receiver gets everything within the close bound, no spool`() = halfFailing(null)

    @Test
    fun `a 50 percent failing receiver gets everything within the close bound, with a spool`(@TempDir dir: File) =
        halfFailing(dir)

    @Test
    fun `receiver down then back within one process`(@TempDir dir: File) {
        Receiver("--down-for-ms", "1500").use { r ->
            val consumer = AsyncBatchConsumer(r.url, flushMaxTime = 0.1, spoolDir = dir.path)
            val sa = SensorsAnalytics(consumer)
            repeat(2_000) { sa.track("u${it % 7}", "ViewProduct", mapOf("seq" to it)) }
            val started = System.nanoTime()
            sa.flush()
            assertTrue(System.nanoTime() - started < 3_000_000_000L, "flush waited for a down receiver")
            waitUp(r)
            r.waitFor(2_000, 30_000) // the background thread re-sends the spool
            sa.close()
            assertEquals(2_000L, consumer.stats!!.spooled.toLong())
            assertNoneLost(r.records(), (0 until 2_000).toList(), "kotlin spool down-then-back")
            assertEquals(emptyList<File>(), spoolFiles(dir))
        }
    }

    @Test
    fun `SIGKILL in the middle of a burst, then a restart sends what it left`(@TempDir dir: File) {
        Receiver("--down-for-ms", "4000").use { r ->
            val p = child("burst", r.url, dir.path)
            val lines = p.inputStream.bufferedReader()
            var handed = 0
            // The child JVM starts, then reports every 500 records; watch it for 1.5 s of tracking.
            handed = lines.readLine().toInt()
            val until = System.currentTimeMillis() + 1_500
            while (System.currentTimeMillis() < until) handed = lines.readLine().toInt()
            // Everything reported was handed over; the promise: a SIGKILL loses at most 50 ms.
            Thread.sleep(60)
            p.destroyForcibly() // SIGKILL
            p.waitFor()
            assertTrue(handed > 1_000, "only $handed handed over")
            waitUp(r)
            runChild("drain", r.url, dir.path)
            assertNoneLost(r.records(), (0 until handed).toList(), "kotlin spool SIGKILL")
        }
    }

    @Test
    fun `four processes share one spool directory`(@TempDir dir: File) {
        Receiver("--down-for-ms", "3000").use { r ->
            val procs = (0 until 4).map { k -> child("batch", r.url, dir.path, "${k * 500}", "500") }
            for (p in procs) {
                p.inputStream.readAllBytes()
                assertTrue(p.waitFor(90, TimeUnit.SECONDS))
                assertEquals(0, p.exitValue())
            }
            waitUp(r)
            runChild("drain", r.url, dir.path)
            assertNoneLost(r.records(), (0 until 2_000).toList(), "kotlin spool 4 processes")
            assertEquals(emptyList<File>(), spoolFiles(dir))
        }
    }

    @Test
    fun `a torn tail is skipped and counted, the rest delivered`(@TempDir dir: File) {
        val dead = Receiver().use { it.url } // closed: its port refuses connections
        val sa = SensorsAnalytics(AsyncBatchConsumer(dead, spoolDir = dir.path))
        repeat(300) { sa.track("u1", "ViewProduct", mapOf("seq" to it)) }
        sa.close()
        val last = spoolFiles(dir).maxByOrNull { it.name }!!
        last.appendBytes(byteArrayOf(0x1e, 0xff.toByte(), 0, 0, 0, 1, 2)) // half a frame: a crash mid-write
        Receiver().use { r ->
            val consumer = AsyncBatchConsumer(r.url, spoolDir = dir.path)
            consumer.close()
            assertEquals(1L, consumer.stats!!.corrupt.toLong())
            assertNoneLost(r.records(), (0 until 300).toList(), "kotlin spool torn tail")
        }
    }

    @Test
    fun `a full spool refuses records with the network error, counts them, keeps the rest`(@TempDir dir: File) {
        val dead = Receiver().use { it.url }
        val consumer = AsyncBatchConsumer(dead, spoolDir = dir.path, spoolMaxBytes = 64L * 1024)
        val sa = SensorsAnalytics(consumer)
        val refused = HashSet<Int>()
        for (i in 0 until 3_000) {
            try {
                sa.track("u1", "ViewProduct", mapOf("seq" to i))
            } catch (e: SensorsAnalyticsNetworkException) {
                assertTrue("spool is full" in e.message.orEmpty(), e.message)
                refused += i
            }
            if (i % 100 == 0) Thread.sleep(10) // let the writer commit: the bound is on disk bytes
        }
        sa.close()
        val stats = consumer.stats!!
        assertTrue(refused.isNotEmpty(), "nothing was refused")
        assertEquals(refused.size.toLong(), stats.dropped.toLong())
        assertEquals((3_000 - refused.size).toLong(), stats.spooled.toLong())
        Receiver().use { r ->
            AsyncBatchConsumer(r.url, spoolDir = dir.path).close()
            assertNoneLost(r.records(), (0 until 3_000).filter { it !in refused }, "kotlin full spool (accepted records)")
        }
    }

    @Test
    fun `a read-only spool directory fails at construction`(@TempDir tmp: File) {
        var dir = File(tmp, "ro").apply { mkdir() }.path
        File(dir).setWritable(false, false)
        // root writes into a read-only directory anyway: then take one where nothing can be created.
        if (File(dir).canWrite()) dir = "/proc/self"
        val url = "http://127.0.0.1:9/sa"
        val e = assertThrows<Exception> { AsyncBatchConsumer(url, spoolDir = dir) }
        assertTrue("spool_dir" in e.message.orEmpty(), e.message)
        val b = assertThrows<Exception> { BatchConsumer(url, spoolDir = dir) }
        assertTrue("spool_dir" in b.message.orEmpty(), b.message)
    }

    @Test
    fun `disk-full writes (RLIMIT_FSIZE) lose nothing`(@TempDir dir: File) {
        // Down at first, so that the records pile up in the spool, well past the limit; the
        // shell sets the limit (200 KiB) and ignores SIGXFSZ, so a write past it fails with EFBIG.
        Receiver("--down-for-ms", "2000").use { r ->
            runChild("pad", r.url, dir.path, "0", "10000", wrap = "trap '' XFSZ; ulimit -f 200")
            waitUp(r)
            runChild("drain", r.url, dir.path) // whatever the child's close bound left
            assertNoneLost(r.records(), (0 until 10_000).toList(), "kotlin spool RLIMIT_FSIZE")
        }
    }
}
