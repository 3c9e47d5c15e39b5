package sensorsanalytics.test

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.ConcurrentLoggingConsumer
import sensorsanalytics.DebugConsumer
import sensorsanalytics.DefaultConsumer
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.NativeBackedConsumer
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.uniffi.SaException
import sensorsanalytics.uniffi.normalisedConsumerOption
import java.io.File
import java.nio.file.Files

/**
 * The shared consumer-option vectors (tests/vectors/options/consumer_options.json): the same
 * out-of-range option gives core's result here. Each case is read back through core's
 * normaliser (a test-only uniffi export); each refused value that Kotlin's parameter types can
 * hold (a whole number: counts are Int, timeouts Long) is also given to the public
 * constructor, which must throw the same class and message.
 */
class ConsumerOptionsTest {
    private val file = File(System.getProperty("sa.vectors.dir") ?: "../../tests/vectors", "options/consumer_options.json")
    private val json = ObjectMapper()

    private fun value(v: JsonNode): Double? = when {
        v.isNull -> null
        v.isTextual -> v.asText().toDouble()
        else -> v.asDouble()
    }

    @TestFactory
    fun vectors(): List<DynamicTest> {
        val cases = json.readTree(file).get("cases")
        check(cases.size() >= 40) { "no vectors in $file" }
        return cases.map { case -> dynamicTest(case.get("name").asText()) { run(case) } }
    }

    private fun run(case: JsonNode) {
        val consumer = case.get("consumer").asText()
        val option = case.get("option").asText()
        val v = value(case.get("value"))
        val expect = case.get("expect")
        if (expect.has("error")) {
            assertEquals("IllegalData", expect.get("error").asText())
            val e = assertThrows<SaException.IllegalData> { normalisedConsumerOption(consumer, option, v) }
            assertEquals(expect.get("message").asText(), e.reason)
            if (v != null && v == Math.floor(v) && Math.abs(v) < Int.MAX_VALUE) {
                val c = assertThrows<SensorsAnalyticsIllegalDataException> { construct(consumer, option, v.toLong()) }
                assertEquals(expect.get("message").asText(), c.message)
            }
        } else {
            assertEquals(expect.get("settings"), json.readTree(normalisedConsumerOption(consumer, option, v)))
        }
    }

    /** The public constructor with `option` set to `n`, the Python name spelled as Kotlin's. */
    private fun construct(consumer: String, option: String, n: Long): NativeBackedConsumer {
        val url = "http://127.0.0.1:9/sa"
        val prefix = Files.createTempDirectory("sa-kt-options").resolve("log").toString()
        return when ("$consumer.$option") {
            "DefaultConsumer.request_timeout" -> DefaultConsumer(url, n)
            "DebugConsumer.request_timeout" -> DebugConsumer(url, requestTimeout = n)
            "BatchConsumer.request_timeout" -> BatchConsumer(url, requestTimeout = n)
            "BatchConsumer.max_size" -> BatchConsumer(url, maxSize = n.toInt())
            "AsyncBatchConsumer.request_timeout" -> AsyncBatchConsumer(url, requestTimeout = n)
            "AsyncBatchConsumer.flush_max_time" -> AsyncBatchConsumer(url, flushMaxTime = n.toDouble())
            "AsyncBatchConsumer.flush_size" -> AsyncBatchConsumer(url, flushSize = n.toInt())
            "AsyncBatchConsumer.max_batch_size" -> AsyncBatchConsumer(url, maxBatchSize = n.toInt())
            "AsyncBatchConsumer.max_size" -> AsyncBatchConsumer(url, maxSize = n.toInt())
            "LoggingConsumer.backupCount" -> LoggingConsumer(prefix, backupCount = n.toInt())
            "ConcurrentLoggingConsumer.bufferSize" -> ConcurrentLoggingConsumer(prefix, bufferSize = n.toInt())
            else -> error("no constructor for $consumer.$option")
        }
    }
}
