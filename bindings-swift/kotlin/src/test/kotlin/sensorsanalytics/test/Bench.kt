package sensorsanalytics.test

import sensorsanalytics.Consumer
import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import java.io.File

/**
 * Not a test: microseconds per `track()` of a 6-property event, into the native LoggingConsumer
 * and into a no-op consumer written in Kotlin (the callback path). See the README for how to run.
 */
object Bench {
    @JvmStatic
    fun main(args: Array<String>) {
        val n = args.firstOrNull()?.toInt() ?: 200_000
        val file = File.createTempFile("sa-bench", ".log")
        val props = mapOf("price" to 12.5, "product_id" to "p-1", "count" to 3, "vip" to true, "tags" to listOf("a", "b"), "city" to "Beijing")
        val noop = object : Consumer {
            override fun send(msg: String) {}
        }
        val clients = listOf("LoggingConsumer" to SensorsAnalytics(LoggingConsumer(file.path)), "Kotlin consumer" to SensorsAnalytics(noop))
        if (args.getOrNull(1) == "parts") parts(n, props)
        for ((name, sa) in clients) {
            repeat(3) {
                val t0 = System.nanoTime()
                for (i in 0 until n) sa.track("user-1", "ViewProduct", props)
                println("%s: %.2f us/track".format(name, (System.nanoTime() - t0) / 1000.0 / n))
            }
            sa.close()
        }
        file.delete()
    }

    private fun time(name: String, n: Int, body: () -> Unit) {
        val t0 = System.nanoTime()
        for (i in 0 until n) body()
        println("  %s: %.2f us".format(name, (System.nanoTime() - t0) / 1000.0 / n))
    }

    private fun parts(n: Int, props: Map<String, Any?>) {
        val core = sensorsanalytics.uniffi.CoreClient.withForeignConsumer(
            object : sensorsanalytics.uniffi.ForeignConsumer {
                override fun send(record: String) {}
                override fun flush() {}
                override fun shutdown() {}
            }, null, false, "Kotlin")
        val native = sensorsanalytics.uniffi.CoreClient(sensorsanalytics.uniffi.NativeConsumer.logging(File.createTempFile("sa-bench", ".log").path, 0, "midnight"), null, false, "Kotlin")
        val converted = sensorsanalytics.Values.properties(props)
        repeat(2) {
            time("call site", n) { sensorsanalytics.CallSites.here() }
            time("convert props", n) { sensorsanalytics.Values.properties(props) }
            time("sdkVersion() ffi call", n) { sensorsanalytics.uniffi.sdkVersion() }
            time("core.track, no props, native", n) { native.track(null, "u1", "E", null, false) }
            time("core.track, props, native", n) { native.track(null, "u1", "E", converted, false) }
            time("core.track, no props, foreign", n) { core.track(null, "u1", "E", null, false) }
        }
    }
}
