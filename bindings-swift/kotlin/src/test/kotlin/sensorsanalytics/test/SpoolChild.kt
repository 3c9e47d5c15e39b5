package sensorsanalytics.test

import sensorsanalytics.AsyncBatchConsumer
import sensorsanalytics.BatchConsumer
import sensorsanalytics.SensorsAnalytics

/**
 * The other process of SpoolFailuresTest, a child JVM on the test classpath:
 * `SpoolChild MODE URL SPOOL_DIR FIRST COUNT`.
 * - `burst`: AsyncBatchConsumer, tracks bursts of 500 forever, printing the count handed over
 *   after each (the test SIGKILLs it);
 * - `batch`: BatchConsumer, tracks seq FIRST..FIRST+COUNT, closes;
 * - `pad`: AsyncBatchConsumer, the same with a 100-byte pad per record (disk-full writes);
 * - `drain`: AsyncBatchConsumer, closes at once: sends what the spool holds; prints `replayed`.
 * Exit status 0 when every call succeeded.
 */
object SpoolChild {
    @JvmStatic
    fun main(args: Array<String>) {
        val (mode, url, dir) = args
        val first = args.getOrNull(3)?.toInt() ?: 0
        val count = args.getOrNull(4)?.toInt() ?: 0
        when (mode) {
            "burst" -> {
                val sa = SensorsAnalytics(AsyncBatchConsumer(url, spoolDir = dir))
                var i = 0
                while (true) {
                    repeat(500) { sa.track("u${i % 13}", "ViewProduct", mapOf("seq" to i)); i++ }
                    println(i)
                    System.out.flush()
                    Thread.sleep(20)
                }
            }
            "batch", "pad" -> {
                val consumer = if (mode == "batch") BatchConsumer(url, 50, 2_000, spoolDir = dir) else AsyncBatchConsumer(url, spoolDir = dir)
                val sa = SensorsAnalytics(consumer)
                val pad = "x".repeat(100)
                for (i in first until first + count) {
                    sa.track("p$first", "ViewProduct", if (mode == "pad") mapOf("seq" to i, "pad" to pad) else mapOf("seq" to i))
                }
                sa.close()
            }
            "drain" -> {
                val consumer = AsyncBatchConsumer(url, spoolDir = dir)
                consumer.close()
                println(consumer.stats!!.replayed)
            }
            else -> error("unknown mode $mode")
        }
    }
}
