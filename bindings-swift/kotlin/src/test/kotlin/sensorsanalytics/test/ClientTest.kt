package sensorsanalytics.test

import com.fasterxml.jackson.databind.JsonNode
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIdentity
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import java.math.BigInteger
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.ZonedDateTime
import java.util.Date

/** Every method of the client from Kotlin, and the Kotlin value types. */
class ClientTest {
    private val out = CapturingConsumer()
    private val sa = SensorsAnalytics(out, projectName = "proj", enableTimeFree = true)

    private fun last(): JsonNode = out.records().last()

    private fun props(): JsonNode = last().get("properties")

    @Test
    fun `lib names Kotlin and the caller`() {
        sa.track("u1", "ViewProduct", mapOf("price" to 12.5), isLoginId = true)
        val r = last()
        assertEquals("Kotlin", r["lib"]["\$lib"].asText())
        assertEquals(SensorsAnalytics.SDK_VERSION, r["lib"]["\$lib_version"].asText())
        assertEquals("code", r["lib"]["\$lib_method"].asText())
        val detail = r["lib"]["\$lib_detail"].asText().split("##")
        assertEquals(listOf("sensorsanalytics.test.ClientTest", "lib names Kotlin and the caller", "ClientTest.kt"), detail.take(3))
        assertTrue(detail[3].toInt() > 0)
        assertEquals("Kotlin", r["properties"]["\$lib"].asText())
        assertEquals("proj", r["project"].asText())
        assertTrue(r["time_free"].asBoolean())
        assertTrue(r["properties"]["\$is_login_id"].asBoolean())
    }

    @Test
    fun `track and track_signup`() {
        sa.track("u1", "E")
        assertEquals("track", last()["type"].asText())
        assertEquals("E", last()["event"].asText())
        sa.trackSignup("login-1", "anon-1", mapOf("a" to 1))
        val r = last()
        assertEquals("track_signup", r["type"].asText())
        assertEquals("\$SignUp", r["event"].asText())
        assertEquals("anon-1", r["original_id"].asText())
        assertEquals(1, r["properties"]["a"].asInt())
    }

    @Test
    fun `profiles`() {
        sa.profileSet("u1", mapOf("a" to 1))
        sa.profileSetOnce("u1", mapOf("b" to "x"), isLoginId = true)
        sa.profileIncrement("u1", mapOf("c" to 2))
        sa.profileAppend("u1", mapOf("d" to listOf("x", "y")))
        sa.profileUnset("u1", listOf("e", "f"))
        sa.profileUnset("u1", mapOf("g" to true))
        sa.profileDelete("u1")
        val types = out.records().map { it["type"].asText() }
        assertEquals(listOf("profile_set", "profile_set_once", "profile_increment", "profile_append", "profile_unset", "profile_unset", "profile_delete"), types)
        val r = out.records()
        assertEquals("""{"e":true,"f":true}""", r[4]["properties"].toString())
        assertEquals("""["x","y"]""", r[3]["properties"]["d"].toString())
        assertEquals("{}", r[6]["properties"].toString())
        assertTrue(r[1]["properties"]["\$is_login_id"].asBoolean())
        assertThrows<SensorsAnalyticsIllegalDataException> { sa.profileIncrement("u1", mapOf("c" to "x")) }
        assertThrows<SensorsAnalyticsIllegalDataException> { sa.profileAppend("u1", mapOf("d" to "x")) }
    }

    @Test
    fun `items`() {
        sa.itemSet("book", "b1", mapOf("name" to "Kotlin"))
        assertEquals("item_set", last()["type"].asText())
        assertEquals("b1", last()["item_id"].asText())
        assertFalse(last().has("_track_id"))
        sa.itemDelete("book", "b1")
        assertEquals("item_delete", last()["type"].asText())
    }

    @Test
    fun `super properties`() {
        sa.registerSuperProperties(mapOf("app" to "demo", "\$app_version" to "1.2"))
        sa.track("u1", "E", mapOf("p" to 1))
        assertEquals(listOf("\$lib", "\$lib_version", "app", "\$app_version", "p"), props().fieldNames().asSequence().toList())
        assertEquals("1.2", last()["lib"]["\$app_version"].asText())
        sa.profileSet("u1", mapOf("q" to 1))
        assertFalse(props().has("app"))
        sa.clearSuperProperties()
        sa.track("u1", "E")
        assertEquals(listOf("\$lib", "\$lib_version"), props().fieldNames().asSequence().toList())
    }

    @Test
    fun `id mapping`() {
        val login = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.LOGIN_ID, "L1")
        val mobile = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.MOBILE, "138")
        val email = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.EMAIL, "a@b.c")
        assertEquals("\$identity_login_id", SensorsAnalyticsIdentity.LOGIN_ID)
        sa.bind(login, mobile, email)
        assertEquals("track_id_bind", last()["type"].asText())
        assertEquals("L1", last()["distinct_id"].asText())
        assertEquals(3, last()["identities"].size())
        sa.unbind(mobile)
        assertEquals("track_id_unbind", last()["type"].asText())
        assertEquals("\$identity_mobile+138", last()["distinct_id"].asText())
        sa.trackById("Buy", mapOf("p" to 1), login)
        assertTrue(props()["\$is_login_id"].asBoolean())
        sa.profileSetById(mapOf("a" to 1), login)
        sa.profileSetOnceById(mapOf("a" to 1), login)
        sa.profileIncrementById(mapOf("a" to 1), login)
        sa.profileAppendById(mapOf("a" to listOf("x")), login)
        sa.profileUnsetById(listOf("a"), login)
        sa.profileDeleteById(login)
        assertEquals(
            listOf("profile_set", "profile_set_once", "profile_increment", "profile_append", "profile_unset", "profile_delete"),
            out.records().takeLast(6).map { it["type"].asText() },
        )
        assertThrows<SensorsAnalyticsIllegalDataException> { sa.trackById("Buy", null) }
        assertThrows<SensorsAnalyticsIllegalDataException> { sa.bind(login, login) }
    }

    @Test
    fun `kotlin value types`() {
        val zone = ZoneId.systemDefault()
        val wall = LocalDateTime.of(2024, 2, 29, 23, 59, 58, 7_000_000)
        sa.track("u1", "E", linkedMapOf(
            "s" to "x", "i" to 1, "l" to 9_007_199_254_740_991L, "sh" to 3.toShort(), "by" to 4.toByte(),
            "d" to 12.5, "f" to 0.1f, "b" to true, "n" to null, "big" to BigInteger.TEN,
            "ldt" to wall,
            "odt" to OffsetDateTime.of(wall, ZoneOffset.ofHours(8)),
            "zdt" to ZonedDateTime.of(wall, ZoneId.of("Asia/Shanghai")),
            "inst" to wall.atZone(zone).toInstant(),
            "udate" to Date.from(wall.atZone(zone).toInstant()),
            "ld" to LocalDate.of(2023, 1, 9),
            "list" to listOf("a", "b"),
            "sb" to StringBuilder("built"),
        ))
        val p = props()
        assertEquals("x", p["s"].asText())
        assertEquals(1, p["i"].asInt())
        assertEquals(9_007_199_254_740_991L, p["l"].asLong())
        assertEquals(3, p["sh"].asInt())
        assertEquals(4, p["by"].asInt())
        assertEquals("12.5", p["d"].toString())
        assertEquals("0.1", p["f"].toString())
        assertTrue(p["b"].isBoolean)
        assertTrue(p["n"].isNull)
        assertEquals(10, p["big"].asInt())
        for (k in listOf("ldt", "odt", "zdt", "inst", "udate")) assertEquals("2024-02-29 23:59:58.007", p[k].asText(), k)
        assertEquals("2023-01-09", p["ld"].asText())
        assertEquals("""["a","b"]""", p["list"].toString())
        assertEquals("built", p["sb"].asText())
    }

    @Test
    fun `time from java time values`() {
        val t = OffsetDateTime.of(2024, 2, 29, 23, 59, 58, 7_000_000, ZoneOffset.ofHours(8))
        sa.track("u1", "E", mapOf("\$time" to t))
        assertEquals(t.toInstant().toEpochMilli(), last()["time"].asLong())
        sa.track("u1", "E", mapOf("\$time" to Date(1_700_000_000_123L)))
        assertEquals(1_700_000_000_123L, last()["time"].asLong())
        sa.track("u1", "E", mapOf("\$time" to 1_700_000_000))
        assertEquals(1_700_000_000_000L, last()["time"].asLong())
    }

    @Test
    fun `unsupported values name their type`() {
        fun message(v: Any?) = assertThrows<SensorsAnalyticsIllegalDataException> { sa.track("u1", "E", mapOf("k" to v)) }.message
        assertEquals("property value must be a str/int/float/datetime/date/list. [value=<class 'dict'>]", message(mapOf("a" to 1)))
        assertEquals("property value must be a str/int/float/datetime/date/list. [value=<class 'java.lang.Object'>]", message(Any()))
        assertEquals("property value must be a str/int/float/datetime/date/list. [value=<class 'java.util.HashSet'>]", message(hashSetOf("a")))
        assertEquals("[list] property's value must be a str. [value=<class 'int'>]", message(listOf("a", 1)))
        assertEquals("[list] property's value must be a str. [value=<class 'NoneType'>]", message(listOf(null)))
        assertEquals("[list] property's value must be a str. [value=<class 'datetime.date'>]", message(listOf(LocalDate.now())))
        assertEquals("property value must not be NaN or Infinity. [key=k]", message(Double.NaN))
        assertEquals("property value must not be NaN or Infinity. [key=k]", message(Float.POSITIVE_INFINITY))
        assertEquals("property value must be a str/int/float/datetime/date/list. [value=<class 'int'>]", message(BigInteger.TWO.pow(64)))
        assertEquals(0, out.lines.size, "nothing is sent for bad input")
    }

    @Test
    fun `a raw map with a non-string key`() {
        @Suppress("UNCHECKED_CAST")
        val raw = hashMapOf<Any, Any?>(1 to "x") as Map<String, Any?>
        val e = assertThrows<SensorsAnalyticsIllegalDataException> { sa.track("u1", "E", raw) }
        assertEquals("property key must be a str. [key=1]", e.message)
    }

    @Test
    fun `the caller's map is not modified`() {
        val p = linkedMapOf<String, Any?>("\$time" to 1_700_000_000_000L, "\$project" to "p2", "a" to 1)
        sa.track("u1", "E", p)
        assertEquals(3, p.size)
        assertEquals("p2", last()["project"].asText())
    }

    @Test
    fun `flush and close reach the consumer`() {
        sa.flush()
        assertEquals(1, out.flushes)
        sa.close()
        assertEquals(1, out.closes)
    }

    @Test
    fun `usable from many threads`() {
        val threads = (0 until 4).map { t -> Thread { repeat(250) { i -> sa.track("u$t", "E", mapOf("i" to i)) } } }
        threads.forEach(Thread::start)
        threads.forEach(Thread::join)
        assertEquals(1000, out.lines.size)
    }
}
