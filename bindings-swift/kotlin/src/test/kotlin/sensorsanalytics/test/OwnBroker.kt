package sensorsanalytics.test

import java.io.File
import java.util.concurrent.TimeUnit

/**
 * A Kafka broker of one test's own (tests/kafka/start.sh and stop.sh with its own
 * SA_KAFKA_HOME, `<shared home>-<name>`), for a test that stops and restarts it: the shared
 * broker the other tests use is never disturbed. Data is kept across [restart], at the same
 * address. One user at a time: an exclusive flock on `<home>.lock` (Python's and Node's lock
 * too), held by a `flock` child process until [close] or until this JVM ends.
 */
class OwnBroker private constructor(private val home: String, private val scripts: File, private val lock: Process) :
    AutoCloseable {
    lateinit var bootstrap: String
        private set

    private fun script(file: String, keepData: Boolean = false): Pair<Int, String> {
        val pb = ProcessBuilder("bash", File(scripts, file).path).redirectError(ProcessBuilder.Redirect.INHERIT)
        pb.environment()["SA_KAFKA_HOME"] = home
        pb.environment()["SA_KAFKA_KEEP_DATA"] = if (keepData) "1" else "0"
        val p = pb.start()
        val out = p.inputStream.bufferedReader().readText().trim()
        return p.waitFor() to out
    }

    fun stop() = check(script("stop.sh").first == 0) { "kafka/stop.sh failed" }

    fun restart() {
        val (code, again) = script("start.sh", keepData = true)
        check(code == 0 && again == bootstrap) { "the broker came back at '$again' (start.sh: $code), not $bootstrap" }
    }

    /** Stops the broker and lets the next user have it. */
    override fun close() {
        try {
            script("stop.sh")
        } finally {
            lock.outputStream.close()
            lock.waitFor(10, TimeUnit.SECONDS)
        }
    }

    companion object {
        /** Started, or null where there can be none (start.sh exits 2: no java or mvn). */
        fun start(name: String): OwnBroker? {
            val shared = System.getenv("SA_KAFKA_HOME") ?: "/tmp/sa-kafka-${uid()}"
            val home = "$shared-$name"
            val scripts = File(System.getProperty("sa.vectors.dir") ?: "../../tests/vectors", "../kafka").canonicalFile
            val lock = ProcessBuilder("flock", "$home.lock", "sh", "-c", "echo locked; exec cat >/dev/null")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start()
            check(lock.inputStream.bufferedReader().readLine() == "locked") { "flock $home.lock failed" }
            val b = OwnBroker(home, scripts, lock)
            Runtime.getRuntime().addShutdownHook(Thread { if (lock.isAlive) b.script("stop.sh") })
            try {
                b.script("stop.sh")
                val (code, out) = b.script("start.sh")
                if (code == 2) {
                    b.close()
                    return null
                }
                check(code == 0 && out.isNotEmpty()) { "kafka/start.sh exited with $code" }
                b.bootstrap = out
                return b
            } catch (e: Throwable) {
                b.close()
                throw e
            }
        }

        private fun uid(): String =
            ProcessBuilder("id", "-u").start().let { p -> p.inputStream.bufferedReader().readText().trim().also { p.waitFor() } }
    }
}
