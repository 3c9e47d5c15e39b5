package sensorsanalytics.test

import com.sun.jna.Library
import com.sun.jna.Native
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.DebugConsumer
import sensorsanalytics.DefaultConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import sensorsanalytics.SensorsAnalyticsNetworkException
import java.io.File
import java.nio.file.Files
import java.time.Duration

/**
 * HTTPS from Kotlin: a receiver whose certificate comes from a CA made by this test
 * (`sa-receiver --make-test-pki`, served by the receiver's TLS front on 127.0.0.1). Accepted
 * with the CA trusted through SSL_CERT_FILE (set in the process environment, where the native
 * library reads it, as a launcher script would); refused with SensorsAnalyticsNetworkException,
 * at once (not retried) and saying why, for a CA nobody trusts and an expired certificate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {
    private interface CLib : Library {
        fun setenv(name: String, value: String, overwrite: Int): Int
        fun unsetenv(name: String): Int
    }

    private val libc: CLib = Native.load("c", CLib::class.java)
    private val bin = File(System.getProperty("sa.receiver.bin") ?: "target/native-bin/sa-receiver")
    private lateinit var pki: File

    @BeforeAll
    fun makePki() {
        pki = Files.createTempDirectory("sa-kotlin-pki-").toFile()
        val p = ProcessBuilder(bin.path, "--make-test-pki", pki.path).redirectErrorStream(true).start()
        p.inputStream.readAllBytes()
        check(p.waitFor() == 0) { "sa-receiver --make-test-pki failed" }
    }

    @AfterAll
    fun cleanup() {
        libc.unsetenv("SSL_CERT_FILE")
        pki.deleteRecursively()
    }

    /** sa-receiver behind its TLS front; records are read from its plain port. */
    private class TlsReceiver(bin: File, pki: File, cert: String) : AutoCloseable {
        private val process = ProcessBuilder(
            bin.path, "--port", "0", "--stdin-eof", "exit",
            "--tls-cert", File(pki, "$cert.pem").path, "--tls-key", File(pki, "$cert.key").path,
        ).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val url: String
        private val base: String

        init {
            val out = process.inputStream.bufferedReader()
            url = out.readLine().removePrefix("LISTENING ").trim()
            base = out.readLine().removePrefix("PLAIN ").trim().substringBefore("/sa?")
        }

        private fun get(path: String): List<com.fasterxml.jackson.databind.JsonNode> {
            val http = java.net.http.HttpClient.newHttpClient()
            val req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("$base$path"))
                .timeout(Duration.ofSeconds(5)).GET().build()
            return json.readTree(http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body()).toList()
        }

        fun records() = get("/_records")

        fun requests() = get("/_requests")

        override fun close() {
            process.outputStream.close()
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
        }
    }

    @Test
    fun `accepted with the CA trusted through SSL_CERT_FILE`() = TlsReceiver(bin, pki, "server").use { r ->
        assertTrue(r.url.startsWith("https://"), r.url)
        libc.setenv("SSL_CERT_FILE", File(pki, "ca.pem").path, 1)
        try {
            val sa = SensorsAnalytics(DefaultConsumer(r.url, requestTimeout = 5_000))
            sa.track("u1", "OverTls", mapOf("i" to 1))
            sa.track("u2", "OverTls", mapOf("i" to 2))
            assertEquals(listOf(1, 2), r.records().map { it["properties"]["i"].asInt() })
            sa.close()
        } finally {
            libc.unsetenv("SSL_CERT_FILE")
        }
    }

    private fun refused(cert: String, cause: String) = TlsReceiver(bin, pki, cert).use { r ->
        libc.setenv("SSL_CERT_FILE", File(pki, "ca.pem").path, 1)
        try {
            val sa = SensorsAnalytics(BatchConsumer(r.url, maxSize = 1, requestTimeout = 5_000))
            val t0 = System.nanoTime()
            val e = assertThrows<SensorsAnalyticsNetworkException> { sa.track("u1", "OverTls") }
            val ms = (System.nanoTime() - t0) / 1_000_000
            assertTrue(e.message!!.contains(cause) && e.message!!.contains("not retried"), e.message)
            // BatchConsumer retries what may pass for up to 5 s; a refused certificate never does.
            assertTrue(ms < 2_500, "took $ms ms")
            assertEquals(0, r.records().size)
        } finally {
            libc.unsetenv("SSL_CERT_FILE")
        }
    }

    @Test
    fun `refused at once for an unknown CA`() = refused("unknown-ca", "unknown issuer")

    // The same through each consumer's own options (issue 15), the environment left alone.

    private val headers = linkedMapOf("X-Gateway-Token" to "tok-1", "X-Tenant" to "t1")

    @Test
    fun `caFile, headers and gzip=false as consumer options`() = TlsReceiver(bin, pki, "server").use { r ->
        val ca = File(pki, "ca.pem").path
        val consumers = listOf(
            DefaultConsumer(r.url, requestTimeout = 5_000, caFile = ca, headers = headers, gzip = false),
            BatchConsumer(r.url, maxSize = 2, caFile = ca, headers = headers, gzip = false),
            AsyncBatchConsumer(r.url, flushSize = 2, caFile = ca, headers = headers, gzip = false),
        )
        for ((i, c) in consumers.withIndex()) {
            val sa = SensorsAnalytics(c)
            sa.track("u$i", "OverTls", mapOf("i" to i))
            sa.track("u$i", "OverTls", mapOf("i" to i))
            sa.close()
        }
        assertEquals(6, r.records().size)
        val reqs = r.requests()
        assertEquals(6, reqs.sumOf { it["records"].asInt() })
        for (q in reqs) {
            val h = q["headers"].fields().asSequence().associate { it.key.lowercase() to it.value.asText() }
            assertEquals("tok-1", h["x-gateway-token"])
            assertEquals("t1", h["x-tenant"])
            assertEquals(false, q["gzip"].asBoolean())
            assertEquals(0, q["warnings"].size())
        }
    }

    @Test
    fun `caFile of another CA is refused at once`() = TlsReceiver(bin, pki, "unknown-ca").use { r ->
        val sa = SensorsAnalytics(BatchConsumer(r.url, maxSize = 1, caFile = File(pki, "ca.pem").path))
        val t0 = System.nanoTime()
        val e = assertThrows<SensorsAnalyticsNetworkException> { sa.track("u1", "OverTls") }
        val ms = (System.nanoTime() - t0) / 1_000_000
        assertTrue(e.message!!.contains("unknown issuer") && e.message!!.contains("not retried"), e.message)
        assertTrue(ms < 2_500, "took $ms ms")
        assertEquals(0, r.records().size)
    }

    @Test
    fun `bad network options fail at construction`() {
        val bad = listOf(
            { DefaultConsumer("http://127.0.0.1:1/sa", headers = mapOf("X-A" to "a\r\nX-B: b")) },
            { DefaultConsumer("http://127.0.0.1:1/sa", headers = mapOf("User-Agent" to "mine")) },
            { BatchConsumer("http://127.0.0.1:1/sa", caFile = "/nonexistent/ca.pem") },
            { AsyncBatchConsumer("http://127.0.0.1:1/sa", proxy = "") },
            { DebugConsumer("http://127.0.0.1:1/sa", caFile = "") },
        )
        for (make in bad) assertThrows<SensorsAnalyticsIllegalDataException> { make() }
    }

    @Test
    fun `refused at once for an expired certificate`() = refused("expired", "expired")
}
