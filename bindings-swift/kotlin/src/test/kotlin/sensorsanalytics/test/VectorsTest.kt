package sensorsanalytics.test

import com.fasterxml.jackson.databind.JsonNode
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Assumptions
import org.junit.jupiter.api.DynamicContainer
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import sensorsanalytics.Consumer
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsDebugException
import sensorsanalytics.SensorsAnalyticsFileLockException
import sensorsanalytics.SensorsAnalyticsIdentity
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.io.File
import java.nio.file.Files
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime

/** A case argument that Kotlin's typed API cannot take (README: such cases are skipped). */
class Inexpressible(reason: String) : Exception(reason)

/**
 * Runs every case of tests/vectors/ twice: into a consumer written in Kotlin (the records as
 * the core hands them over) and into the native LoggingConsumer (the file a user would get).
 */
class VectorsTest {
    private val dir = File(System.getProperty("sa.vectors.dir") ?: "../../tests/vectors")

    @TestFactory
    fun vectors(): List<DynamicContainer> {
        val files = dir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }.orEmpty()
        check(files.isNotEmpty()) { "no vectors in $dir" }
        return files.map { f ->
            val doc = json.readTree(f)
            dynamicContainer(doc.get("group").asText(), doc.get("cases").map { case ->
                dynamicTest(case.get("name").asText()) { runCase(case) }
            })
        }
    }

    private fun runCase(case: JsonNode) {
        val captured = try {
            runWith(case, CapturingConsumer()) { it.lines }
        } catch (e: Inexpressible) {
            println("SKIPPED vector ${case.get("name").asText()}: ${e.message}")
            Assumptions.abort<Unit>("cannot be expressed in Kotlin: ${e.message}")
            return
        }
        check(case, captured, "Kotlin consumer")
        if (case.has("expect")) {
            val file = Files.createTempFile("sa-vector", ".log").toFile()
            try {
                val lines = runWith(case, LoggingConsumer(file.path)) { file.readLines() }
                check(case, lines, "LoggingConsumer")
            } finally {
                file.delete()
            }
        }
    }

    private class Outcome(val lines: List<String>, val error: Throwable?, val errorAt: Int)

    private fun <C : Consumer> runWith(case: JsonNode, consumer: C, read: (C) -> List<String>): Outcome {
        val setup = case.path("setup")
        val sa = SensorsAnalytics(
            consumer,
            projectName = setup.path("project_name").takeUnless { it.isNull || it.isMissingNode }?.asText(),
            enableTimeFree = setup.path("enable_time_free").asBoolean(false),
        )
        val calls = case.get("calls").toList()
        // Decode every call first: a case with an inexpressible argument is skipped whole.
        val actions = calls.map { call -> action(sa, call.get("method").asText(), Args(call.path("args"))) }
        setup.get("super_properties")?.takeUnless { it.isNull }?.let { sa.registerSuperProperties(decodeMap(it)) }
        var error: Throwable? = null
        var errorAt = -1
        for ((i, act) in actions.withIndex()) {
            try {
                act()
            } catch (e: Exception) {
                error = e
                errorAt = i
                break
            }
        }
        sa.close()
        return Outcome(read(consumer), error, errorAt)
    }

    private fun check(case: JsonNode, out: Outcome, via: String) {
        val name = "${case.get("name").asText()} ($via)"
        val lastCall = case.get("calls").size() - 1
        case.get("error")?.let { err ->
            val e = out.error ?: fail("$name: expected ${err.get("kind").asText()} error, got records ${out.lines}")
            assertEquals(lastCall, out.errorAt, "$name: error raised by call ${out.errorAt}: $e")
            assertEquals(err.get("kind").asText(), kindOf(e), "$name: kind of $e")
            assertEquals(err.get("message").asText(), e.message, "$name: message")
            assertEquals(emptyList<String>(), out.lines, "$name: an error case emits nothing")
            return
        }
        out.error?.let { throw AssertionError("$name: call ${out.errorAt} failed", it) }
        val expected = case.get("expect").toList()
        assertEquals(expected.size, out.lines.size, "$name: records ${out.lines}")
        for ((i, exp) in expected.withIndex()) {
            compareRecord(exp, out.lines[i])?.let { fail<Unit>("$name: record $i: $it\n  got ${out.lines[i]}") }
        }
    }

    private fun kindOf(e: Throwable) = when (e) {
        is SensorsAnalyticsIllegalDataException -> "IllegalData"
        is SensorsAnalyticsNetworkException -> "Network"
        is SensorsAnalyticsFileLockException -> "FileLock"
        is SensorsAnalyticsDebugException -> "Debug"
        else -> "not an SDK exception: $e"
    }

    /** One call as a closure; its arguments are converted now, so a skip happens before any call. */
    private fun action(sa: SensorsAnalytics, method: String, a: Args): () -> Unit = when (method) {
        "track" -> {
            val id = a.id("distinct_id"); val ev = a.name("event_name"); val p = a.map("properties"); val login = a.bool("is_login_id")
            act { sa.track(id, ev, p, login) }
        }
        "track_signup" -> {
            val id = a.id("distinct_id"); val orig = a.id("original_id"); val p = a.map("properties")
            act { sa.trackSignup(id, orig, p) }
        }
        "profile_set", "profile_set_once", "profile_increment", "profile_append" -> {
            val id = a.id("distinct_id"); val p = a.map("profiles"); val login = a.bool("is_login_id")
            when (method) {
                "profile_set" -> { { sa.profileSet(id, p, login) } }
                "profile_set_once" -> { { sa.profileSetOnce(id, p, login) } }
                "profile_increment" -> { { sa.profileIncrement(id, p, login) } }
                else -> { { sa.profileAppend(id, p, login) } }
            }
        }
        "profile_unset" -> {
            val id = a.id("distinct_id"); val login = a.bool("is_login_id")
            when (val keys = a.keys("profile_keys")) {
                is List<*> -> { { sa.profileUnset(id, keys.map { it as String }, login) } }
                else -> { { sa.profileUnset(id, keys.asProps()!!, login) } }
            }
        }
        "profile_delete" -> {
            val id = a.id("distinct_id"); val login = a.bool("is_login_id")
            act { sa.profileDelete(id, login) }
        }
        "item_set", "item_delete" -> {
            val type = a.name("item_type"); val id = a.id("item_id"); val p = a.map("properties")
            if (method == "item_set") { { sa.itemSet(type, id, p) } } else { { sa.itemDelete(type, id, p) } }
        }
        "register_super_properties" -> {
            val p = a.map("properties") ?: throw Inexpressible("super properties must be a map")
            act { sa.registerSuperProperties(p) }
        }
        "clear_super_properties" -> act { sa.clearSuperProperties() }
        "bind" -> {
            val ids = a.identities("identities")
            act { sa.bind(ids) }
        }
        "unbind" -> {
            val id = a.identity(a.raw("identity"))
            act { sa.unbind(id) }
        }
        "track_by_id" -> {
            val ev = a.name("event_name"); val p = a.map("properties"); val ids = a.identities("identities").toTypedArray()
            act { sa.trackById(ev, p, *ids) }
        }
        "profile_set_by_id", "profile_set_once_by_id", "profile_append_by_id", "profile_increment_by_id" -> {
            val p = a.map("properties"); val ids = a.identities("identities").toTypedArray()
            when (method) {
                "profile_set_by_id" -> { { sa.profileSetById(p, *ids) } }
                "profile_set_once_by_id" -> { { sa.profileSetOnceById(p, *ids) } }
                "profile_append_by_id" -> { { sa.profileAppendById(p, *ids) } }
                else -> { { sa.profileIncrementById(p, *ids) } }
            }
        }
        "profile_unset_by_id" -> {
            val ids = a.identities("identities").toTypedArray()
            val keys = a.keys("profile_keys") as? List<*> ?: throw Inexpressible("profileUnsetById takes a list, as the reference")
            act { sa.profileUnsetById(keys.map { it as String }, *ids) }
        }
        "profile_delete_by_id" -> {
            val ids = a.identities("identities").toTypedArray()
            act { sa.profileDeleteById(*ids) }
        }
        else -> fail("unknown method $method")
    }
}

@Suppress("UNCHECKED_CAST")
private fun Any?.asProps(): Map<String, Any?>? = this as Map<String, Any?>?

/** A call's arguments, converted the way a Kotlin caller would write them. */
private class Args(private val node: JsonNode) {
    fun raw(name: String): JsonNode? = node.get(name)?.takeUnless { it.isNull }

    /** distinct_id, original_id, item_id: a Python int is its decimal string, as Python makes it. */
    fun id(name: String): String {
        val n = raw(name) ?: throw Inexpressible("$name is None")
        return when {
            n.isTextual -> n.textValue()
            n.isIntegralNumber -> n.asText()
            else -> throw Inexpressible("$name is ${n.nodeType}")
        }
    }

    fun name(name: String): String {
        val n = raw(name) ?: throw Inexpressible("$name is None")
        if (!n.isTextual) throw Inexpressible("$name is ${n.nodeType}")
        return n.textValue()
    }

    fun map(name: String): Map<String, Any?>? {
        val n = raw(name) ?: return null
        if (!n.isObject) throw Inexpressible("$name is a ${n.nodeType}, not a map")
        return decodeMap(n)
    }

    fun bool(name: String) = node.path(name).asBoolean(false)

    /** profile_keys: a list of strings or a map. */
    fun keys(name: String): Any {
        val n = raw(name) ?: throw Inexpressible("$name is None")
        return when {
            n.isObject -> decodeMap(n)
            n.isArray && n.all { it.isTextual } -> n.map { it.textValue() }
            else -> throw Inexpressible("$name is not a list of strings nor a map: $n")
        }
    }

    fun identities(name: String): List<SensorsAnalyticsIdentity> = (raw(name) ?: throw Inexpressible("$name is None")).map(::identity)

    fun identity(n: JsonNode?): SensorsAnalyticsIdentity {
        val key = n?.get("key"); val value = n?.get("value")
        if (key == null || value == null || !key.isTextual || !value.isTextual) throw Inexpressible("identity $n has a non-string key or value")
        return SensorsAnalyticsIdentity(key.textValue(), value.textValue())
    }
}

fun decodeMap(n: JsonNode): Map<String, Any?> {
    val out = LinkedHashMap<String, Any?>()
    n.fields().forEach { (k, v) -> out[k] = decode(v) }
    return out
}

/** README "Values": JSON to the Kotlin value a caller would pass, tags included. */
fun decode(n: JsonNode): Any? = when {
    n.isNull -> null
    n.isBoolean -> n.booleanValue()
    n.isIntegralNumber -> n.longValue()
    n.isNumber -> n.doubleValue()
    n.isTextual -> n.textValue()
    n.isArray -> n.map(::decode)
    n.size() == 1 && n.has("\$datetime") -> n.get("\$datetime").textValue().let { s ->
        if (Regex("[+-]\\d{2}:\\d{2}$").containsMatchIn(s)) OffsetDateTime.parse(s) else LocalDateTime.parse(s)
    }
    n.size() == 1 && n.has("\$date") -> LocalDate.parse(n.get("\$date").textValue())
    n.size() == 1 && n.has("\$float") -> n.get("\$float").textValue().toDouble()
    else -> decodeMap(n)
}

/** Names a call's closure (a bare `{ }` on its own line would bind to the line before). */
private fun act(f: () -> Unit): () -> Unit = f
