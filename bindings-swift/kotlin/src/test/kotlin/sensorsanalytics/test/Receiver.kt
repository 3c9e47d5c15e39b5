package sensorsanalytics.test

import com.fasterxml.jackson.databind.JsonNode
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration

/**
 * tests/receiver's `sa-receiver` on a loopback port (built by build-native.sh). Started per
 * test with its faults as arguments; its stdin is our pipe, so it exits with us.
 */
class Receiver(vararg args: String) : AutoCloseable {
    private val process: Process
    val url: String
    private val base: String
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    init {
        val bin = File(System.getProperty("sa.receiver.bin") ?: "target/native-bin/sa-receiver")
        check(bin.canExecute()) { "sa-receiver not built at $bin" }
        process = ProcessBuilder(listOf(bin.path, "--port", "0", "--stdin-eof", "exit") + args)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val first = process.inputStream.bufferedReader().readLine() ?: error("sa-receiver said nothing")
        check(first.startsWith("LISTENING ")) { "unexpected first line: $first" }
        url = first.removePrefix("LISTENING ").trim()
        base = url.substringBefore("/sa?")
    }

    private fun get(path: String): JsonNode {
        val req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build()
        return json.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body())
    }

    fun records(): List<JsonNode> = get("/_records").toList()

    fun requests(): List<JsonNode> = get("/_requests").toList()

    /** Waits (bounded) until at least [n] records were received. */
    fun waitFor(n: Int, timeoutMs: Long = 10_000): List<JsonNode> {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (true) {
            val r = records()
            if (r.size >= n || System.currentTimeMillis() > deadline) return r
            Thread.sleep(20)
        }
    }

    override fun close() {
        process.outputStream.close()
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
