package sensorsanalytics.bench

import com.sun.management.OperatingSystemMXBean
import com.sun.management.ThreadMXBean
import sensorsanalytics.ConcurrentLoggingConsumer
import sensorsanalytics.SensorsAnalytics
import java.io.File
import java.lang.management.ManagementFactory
import java.nio.file.Files
import java.util.concurrent.CyclicBarrier
import kotlin.system.exitProcess
import com.sensorsdata.analytics.javasdk.SensorsAnalytics as OfficialSdk
import com.sensorsdata.analytics.javasdk.consumer.ConcurrentLoggingConsumer as OfficialConcurrentLoggingConsumer

/**
 * Not a test: ours beside the official Java SDK (`com.sensorsdata.analytics.javasdk:
 * SensorsAnalyticsSDK:3.4.0`) in one JVM run. Each call is `track()` of the 6-property
 * `ViewProduct` event (the Python bench's), `isLoginId = true`, into a
 * ConcurrentLoggingConsumer (ours / the official SDK's), one map reused by every call.
 *
 * Per variant: a warm-up (default 200 000 calls), then rounds (default 3) of `--calls` calls
 * each into a fresh file, the client closed (every record written) inside the timing; medians
 * of the rounds are printed. Then `--threads` threads tracking into one client. Figures:
 * - ns per call: wall time / calls (for threads: wall time / calls made by one thread);
 * - CPU ns per call: the process's CPU time (every thread: writer, GC, JIT) / calls;
 * - caller CPU: the CPU time of the thread(s) making the calls / calls;
 * - bytes per call: allocated on the calling thread during the calls
 *   (`ThreadMXBean.getCurrentThreadAllocatedBytes`), the clients' construction and close excluded;
 * - lines: records in the files; must equal the calls, else the run fails.
 *
 * Run by bench.sh: `bench.sh [--calls N] [--warmup N] [--rounds N] [--threads N] [--quick]`.
 */
object Bench {
    private val PROPS: Map<String, Any?> = linkedMapOf(
        "product_id" to "SKU-1001", "product_name" to "Wireless Mouse", "price" to 89.9, "quantity" to 2,
        "is_member" to true, "channel" to "web",
    )
    private const val DISTINCT_ID = "user-10086"
    private const val EVENT = "ViewProduct"
    private const val HEADER = "%-28s %11s %12s %11s %11s %10s"

    private val threadMx = ManagementFactory.getThreadMXBean() as ThreadMXBean
    private val osMx = ManagementFactory.getOperatingSystemMXBean() as OperatingSystemMXBean

    /** One library under test: makes a client writing into a directory, tracks, closes. */
    private interface Variant {
        val name: String

        fun open(dir: File): Client
    }

    private interface Client {
        fun track()

        fun close()
    }

    private class Ours(override val name: String, val libDetail: Boolean) : Variant {
        override fun open(dir: File): Client {
            val sa = SensorsAnalytics(ConcurrentLoggingConsumer(File(dir, "sa.log").path), libDetail = libDetail)
            return object : Client {
                override fun track() = sa.track(DISTINCT_ID, EVENT, PROPS, isLoginId = true)

                override fun close() = sa.close()
            }
        }
    }

    private object Official : Variant {
        override val name = "official Java SDK 3.4.0"

        override fun open(dir: File): Client {
            val sa = OfficialSdk(OfficialConcurrentLoggingConsumer(File(dir, "sa.log").path))
            return object : Client {
                override fun track() = sa.track(DISTINCT_ID, true, EVENT, PROPS)

                override fun close() = sa.shutdown()
            }
        }
    }

    private class Result(
        val nsPerCall: Double,
        val cpuNsPerCall: Double,
        val threadCpuNsPerCall: Double,
        val bytesPerCall: Double,
        val lines: Long,
        val calls: Long,
    )

    @JvmStatic
    fun main(args: Array<String>) {
        var calls = 200_000
        var warmup = 200_000
        var rounds = 3
        var threads = 4
        var i = 0
        while (i < args.size) {
            when (args[i]) {
                "--calls" -> calls = args[++i].toInt()
                "--warmup" -> warmup = args[++i].toInt()
                "--rounds" -> rounds = args[++i].toInt()
                "--threads" -> threads = args[++i].toInt()
                "--quick" -> {
                    calls = 2_000
                    warmup = 2_000
                    rounds = 1
                }
                else -> {
                    System.err.println("usage: Bench [--calls N] [--warmup N] [--rounds N] [--threads N] [--quick]")
                    exitProcess(2)
                }
            }
            i++
        }
        val variants = listOf(Ours("ours, \$lib_detail on", true), Ours("ours, libDetail = false", false), Official)
        println("java ${System.getProperty("java.version")}, ${Runtime.getRuntime().availableProcessors()} cpus, load ${load()}")
        println("track(\"$DISTINCT_ID\", \"$EVENT\", <6 properties>, isLoginId = true) into ConcurrentLoggingConsumer")
        println("warm-up $warmup calls per variant; $rounds round(s) of $calls calls; medians")
        var ok = true

        for (v in variants) run(v, warmup)
        val single = variants.associateWith { mutableListOf<Result>() }
        repeat(rounds) {
            for (v in variants) single.getValue(v) += run(v, calls)
        }
        println()
        println(HEADER.format("one thread", "ns/call", "CPU ns/call", "caller CPU", "bytes/call", "lines"))
        for (v in variants) ok = report(v.name, single.getValue(v)) && ok

        if (threads > 1) {
            val perThread = maxOf(calls / threads, 1)
            val multi = variants.associateWith { mutableListOf<Result>() }
            repeat(rounds) {
                for (v in variants) multi.getValue(v) += runThreads(v, threads, perThread)
            }
            println()
            println(HEADER.format("$threads threads, one client", "ns/call/thr", "CPU ns/call", "caller CPU", "bytes/call", "lines"))
            for (v in variants) ok = report(v.name, multi.getValue(v)) && ok
        }

        val on = median(single.getValue(variants[0]).map { it.nsPerCall })
        val off = median(single.getValue(variants[1]).map { it.nsPerCall })
        val official = median(single.getValue(variants[2]).map { it.nsPerCall })
        println()
        // A short run (CI's smoke run, an unoptimised build) says nothing about the targets.
        val judged = calls >= 100_000 && warmup >= 100_000
        fun verdict(met: Boolean) = if (!judged) "not judged on a short run" else if (met) "met" else "NOT met"
        println("ours with \$lib_detail: %.1fx the official SDK's speed (target >= 2x: %s)".format(official / on, verdict(official / on >= 2)))
        println("ours with libDetail = false: %.2f us per call (target <= 2 us: %s)".format(off / 1000, verdict(off <= 2000)))
        println("load at the end: ${load()}")
        if (!ok) {
            println("FAILED: lines written differ from calls")
            exitProcess(1)
        }
    }

    private fun run(v: Variant, calls: Int): Result {
        val dir = Files.createTempDirectory("sa-bench-").toFile()
        try {
            val client = v.open(dir)
            val cpu0 = osMx.processCpuTime
            val t0 = System.nanoTime()
            val a0 = threadMx.currentThreadAllocatedBytes
            val tc0 = threadMx.currentThreadCpuTime
            for (n in 0 until calls) client.track()
            val tc1 = threadMx.currentThreadCpuTime
            val a1 = threadMx.currentThreadAllocatedBytes
            client.close()
            val t1 = System.nanoTime()
            val cpu1 = osMx.processCpuTime
            return Result(
                (t1 - t0).toDouble() / calls, (cpu1 - cpu0).toDouble() / calls, (tc1 - tc0).toDouble() / calls,
                (a1 - a0).toDouble() / calls, lines(dir), calls.toLong(),
            )
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun runThreads(v: Variant, threads: Int, perThread: Int): Result {
        val dir = Files.createTempDirectory("sa-bench-").toFile()
        try {
            val client = v.open(dir)
            val start = CyclicBarrier(threads + 1)
            val allocated = LongArray(threads)
            val cpu = LongArray(threads)
            val workers = (0 until threads).map { t ->
                Thread {
                    start.await()
                    val a0 = threadMx.currentThreadAllocatedBytes
                    val c0 = threadMx.currentThreadCpuTime
                    for (n in 0 until perThread) client.track()
                    cpu[t] = threadMx.currentThreadCpuTime - c0
                    allocated[t] = threadMx.currentThreadAllocatedBytes - a0
                }.apply { start() }
            }
            val cpu0 = osMx.processCpuTime
            val t0 = System.nanoTime()
            start.await()
            workers.forEach(Thread::join)
            client.close()
            val t1 = System.nanoTime()
            val cpu1 = osMx.processCpuTime
            val total = threads.toLong() * perThread
            return Result(
                (t1 - t0).toDouble() / perThread, (cpu1 - cpu0).toDouble() / total, cpu.sum().toDouble() / total,
                allocated.sum().toDouble() / total, lines(dir), total,
            )
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun report(name: String, results: List<Result>): Boolean {
        val r = results.last()
        val linesOk = results.all { it.lines == it.calls }
        println(
            "%-28s %11.0f %12.0f %11.0f %11.1f %10s   rounds: %s".format(
                name, median(results.map { it.nsPerCall }), median(results.map { it.cpuNsPerCall }),
                median(results.map { it.threadCpuNsPerCall }), median(results.map { it.bytesPerCall }), if (linesOk) "${r.lines}" else "MISMATCH",
                results.joinToString(" ") { "%.0f".format(it.nsPerCall) },
            ),
        )
        if (!linesOk) results.forEach { println("  lines ${it.lines} for ${it.calls} calls") }
        return linesOk
    }

    private fun median(xs: List<Double>): Double = xs.sorted()[xs.size / 2]

    private fun lines(dir: File): Long {
        var n = 0L
        val chunk = ByteArray(1 shl 16)
        for (f in dir.listFiles().orEmpty()) {
            f.inputStream().use { s ->
                while (true) {
                    val got = s.read(chunk)
                    if (got < 0) break
                    for (k in 0 until got) if (chunk[k] == '\n'.code.toByte()) n++
                }
            }
        }
        return n
    }

    private fun load(): String = runCatching { File("/proc/loadavg").readText().split(" ").take(3).joinToString(" ") }.getOrDefault("?")
}
