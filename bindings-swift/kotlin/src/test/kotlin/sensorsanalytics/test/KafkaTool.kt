package sensorsanalytics.test

import java.io.File

/**
 * sa-kafka-tool (tests/kafka/tool, staged by build-native.sh): starts the shared local broker,
 * makes topics, reads a topic back with a consumer group.
 */
internal object KafkaTool {
    val file = File(System.getProperty("sa.kafka.tool") ?: "target/native-bin/sa-kafka-tool")

    /** Its exit code and stdout; stderr goes to the test's. */
    fun run(vararg args: String): Pair<Int, String> {
        val p = ProcessBuilder(listOf(file.path) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val out = p.inputStream.bufferedReader().readText()
        return p.waitFor() to out
    }
}
