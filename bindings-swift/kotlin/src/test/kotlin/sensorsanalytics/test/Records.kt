package sensorsanalytics.test

import com.fasterxml.jackson.core.JsonParser
import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import sensorsanalytics.Consumer
import java.util.Collections

/** Strict JSON (no NaN), keeping key order and exact numbers. */
val json: ObjectMapper = ObjectMapper()
    .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, false)
    .configure(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)

/** A user-written consumer that keeps what it is sent. */
class CapturingConsumer : Consumer {
    val lines: MutableList<String> = Collections.synchronizedList(ArrayList())
    var flushes = 0
    var closes = 0

    override fun send(msg: String) {
        lines += msg
    }

    override fun flush() {
        flushes++
    }

    override fun close() {
        closes++
    }

    fun records(): List<ObjectNode> = lines.map { json.readTree(it) as ObjectNode }
}

private val ITEM_TYPES = setOf("item_set", "item_delete")

/**
 * tests/vectors/README.md "Comparison": checks and removes what is compared loosely (time,
 * _track_id, $lib...), then compares with key order at the top level, in properties and lib.
 * Returns null when equal, else what differs.
 */
fun compareRecord(expected: JsonNode, actualLine: String): String? {
    val actual = try {
        json.readTree(actualLine) as ObjectNode
    } catch (e: Exception) {
        return "not valid JSON: $actualLine (${e.message})"
    }
    if (!expected.has("time")) {
        val t = actual.get("time") ?: return "no time"
        if (!t.isIntegralNumber) return "time is not an integer: $t"
        actual.remove("time")
    }
    val isItem = actual.path("type").asText() in ITEM_TYPES
    val trackId = actual.remove("_track_id")
    if (isItem && trackId != null) return "item has _track_id"
    if (!isItem) {
        if (trackId == null || !trackId.isIntegralNumber) return "_track_id missing or not an integer: $trackId"
        val v = trackId.longValue()
        if (v < 0 || v >= (1L shl 31)) return "_track_id out of range: $v"
    }
    (actual.get("lib") as? ObjectNode)?.remove(listOf("\$lib", "\$lib_version", "\$lib_detail"))
    (actual.get("properties") as? ObjectNode)?.remove(listOf("\$lib", "\$lib_version"))
    return diff(expected, actual, "", ordered = true)
}

private fun diff(e: JsonNode, a: JsonNode, path: String, ordered: Boolean): String? {
    if (e.isObject && a.isObject) {
        val ek = e.fieldNames().asSequence().toList()
        val ak = a.fieldNames().asSequence().toList()
        if (ordered && ek != ak) return "$path: keys $ak, expected $ek"
        if (!ordered && ek.toSet() != ak.toSet()) return "$path: keys $ak, expected $ek"
        for (k in ek) {
            val childOrdered = path == "" && (k == "properties" || k == "lib")
            diff(e.get(k), a.get(k), "$path/$k", childOrdered)?.let { return it }
        }
        return null
    }
    if (e.isArray && a.isArray) {
        if (e.size() != a.size()) return "$path: $a, expected $e"
        for (i in 0 until e.size()) diff(e.get(i), a.get(i), "$path[$i]", false)?.let { return it }
        return null
    }
    if (e.isNumber && a.isNumber) {
        return if (e.decimalValue().compareTo(a.decimalValue()) == 0) null else "$path: $a, expected $e"
    }
    return if (e == a) null else "$path: $a, expected $e"
}
