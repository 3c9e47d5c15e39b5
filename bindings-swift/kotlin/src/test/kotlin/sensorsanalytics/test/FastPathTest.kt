package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIdentity
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import java.io.File
import org.junit.jupiter.api.assertThrows

/**
 * The JVM fast path (PACKING.md): strings of every kind through the packed buffer, a buffer
 * that must grow, `$lib_detail` per call site (cached per thread) and `libDetail = false`.
 */
class FastPathTest {
    private val out = CapturingConsumer()
    private val sa = SensorsAnalytics(out)

    private fun detail(): String = out.records().last()["lib"]["\$lib_detail"].asText()

    @Test
    fun `strings of every plane, and a lone surrogate as the JDK encodes it`() {
        val values = listOf("", "ascii only, longer than eight", "价格 ¥12", "é", "emoji 😀 after", "x\u0000y", "\ud800 lone", "tail \udc00")
        for (v in values) {
            sa.track("u1", "E", mapOf("v" to v))
            val p = out.records().last()["properties"]
            assertEquals(String(v.toByteArray(Charsets.UTF_8), Charsets.UTF_8), p["v"].asText(), v)
        }
        sa.track("用户-1", "E")
        assertEquals("用户-1", out.records().last()["distinct_id"].asText())
    }

    @Test
    fun `a call larger than the buffer grows it, and the next call still works`() {
        // Within the core's limits (8192 characters a string), 24 KB of UTF-8 and ~5 KB of list.
        val big = "价".repeat(8_000)
        val list = (0 until 500).map { "item-$it" }
        sa.track("u1", "E", mapOf("big" to big, "list" to list))
        val p = out.records().last()["properties"]
        assertEquals(big, p["big"].asText())
        assertEquals(500, p["list"].size())
        sa.track("u1", "E", mapOf("small" to 1))
        assertEquals(1, out.records().last()["properties"]["small"].asInt())
    }

    @Test
    fun `lib_detail names each call site, also in overloads`() {
        sa.track("u1", "E"); val first = detail()
        sa.track("u1", "E"); val second = detail()
        assertNotEquals(first, second)
        assertEquals(first.substringBeforeLast("##"), second.substringBeforeLast("##"))
        assertEquals(first.substringAfterLast("##").toInt() + 1, second.substringAfterLast("##").toInt())
        // Same name, same bytecode offset, different lines: told apart by their descriptors.
        val a = overloaded(1)
        val b = overloaded("1")
        assertNotEquals(a, b)
        assertEquals(a.substringBeforeLast("##"), b.substringBeforeLast("##"))
        // A site seen before comes back the same from the per-thread cache.
        repeat(3) { assertEquals(a, overloaded(1)) }
    }

    private fun overloaded(x: Int): String {
        sa.track("u$x", "E")
        return detail()
    }

    private fun overloaded(x: String): String {
        sa.track("u$x", "E")
        return detail()
    }

    @Test
    fun `libDetail false leaves lib_detail out`(@TempDir dir: File) {
        val quiet = SensorsAnalytics(out, libDetail = false)
        quiet.track("u1", "E", mapOf("a" to 1), isLoginId = true)
        quiet.profileSet("u1", mapOf("a" to 1))
        quiet.bind(SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.LOGIN_ID, "L"), SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.MOBILE, "1"))
        for (r in out.records()) assertFalse(r["lib"].has("\$lib_detail"), r.toString())
        // Also with a native consumer, and from Java's point of view (the overloaded constructor).
        val file = File(dir, "sa.log")
        val native = SensorsAnalytics(LoggingConsumer(file.path), null, false, false)
        native.track("u1", "E")
        native.close()
        assertFalse(file.readText().contains("\$lib_detail"))
    }

    @Test
    fun `errors come back with the core's text from the packed path`() {
        val e = assertThrows<SensorsAnalyticsIllegalDataException> { sa.track("u1", "1bad") }
        assertEquals("event name must be a valid variable name. [name=1bad]", e.message)
        val long = "k".repeat(10_000)
        val e2 = assertThrows<SensorsAnalyticsIllegalDataException> { sa.track("u1", "E", mapOf(long to mapOf("a" to 1))) }
        assertEquals(true, e2.message!!.isNotEmpty())
        sa.track("u1", "E")
        assertEquals(1, out.lines.size)
    }

    @Test
    fun `a long error text comes back whole`() {
        val name = "1" + "n".repeat(100_000)
        val e = assertThrows<SensorsAnalyticsIllegalDataException> { sa.track("u1", name) }
        assertEquals("event name must be a valid variable name. [name=$name]", e.message)
    }

    @Test
    fun `a client no longer referenced is released without harm`() {
        repeat(200) { SensorsAnalytics(out).track("u$it", "E") }
        System.gc()
        Thread.sleep(50)
        sa.track("u1", "E")
        assertEquals(201, out.lines.size)
    }
}
