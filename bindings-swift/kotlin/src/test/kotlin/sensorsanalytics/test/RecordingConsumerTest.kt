package sensorsanalytics.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.RecordingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIllegalDataException

/** RecordingConsumer: records kept in memory for users' own unit tests. */
class RecordingConsumerTest {
    @Test
    fun `records are kept in order and survive close`() {
        val recorder = RecordingConsumer()
        val sa = SensorsAnalytics(recorder, "p")
        sa.track("u1", "ViewProduct", mapOf("price" to 12.5, "tags" to listOf("a", "b")))
        sa.trackSignup("u1", "anon-1")
        sa.profileSet("u1", mapOf("vip" to true), isLoginId = true)
        sa.itemSet("book", "b1", mapOf("title" to "T"))
        assertEquals(4, recorder.size)
        val first = json.readTree(recorder.lines[0])
        assertEquals("ViewProduct", first["event"].asText())
        assertEquals("u1", first["distinct_id"].asText())
        assertEquals("p", first["project"].asText())
        assertEquals(12.5, first["properties"]["price"].asDouble())
        assertEquals(
            listOf("track", "track_signup", "profile_set", "item_set"),
            recorder.lines.map { json.readTree(it)["type"].asText() },
        )
        assertEquals(1, recorder.events("ViewProduct").size)
        assertFalse(recorder.isClosed)
        sa.close()
        assertTrue(recorder.isClosed)
        assertEquals(4, recorder.lines.size)
        recorder.clear()
        assertEquals(0, recorder.size)
    }

    @Test
    fun `send directly, and what is not a JSON record is refused`() {
        val recorder = RecordingConsumer()
        recorder.send("""{"a":1}""")
        assertEquals(1, json.readTree(recorder.lines[0])["a"].asInt())
        assertThrows<SensorsAnalyticsIllegalDataException> { recorder.send("not json") }
    }
}
