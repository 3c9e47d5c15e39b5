package sensorsanalytics

import com.sun.jna.Native
import com.sun.jna.Pointer
import java.math.BigInteger
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.ZonedDateTime
import java.util.Date
import java.util.function.BiConsumer
import java.util.function.Function
import java.util.function.Predicate
import java.util.stream.Stream

/**
 * Packs one client call into this thread's direct buffer in the format of
 * `bindings-swift/PACKING.md`, and makes the one JNI call that runs it. Nothing here
 * allocates on the hot path: strings are encoded to UTF-8 straight into the buffer, maps are
 * read with `forEach` (no iterator), and `$lib_detail`'s call sites are cached per thread once
 * encoded. Only conversion happens here: every rule and message is the core's.
 *
 * One per thread ([acquire]); a call made from inside a call on the same thread (a user
 * consumer that tracks) gets a fresh one, since the outer call's arguments are still being read.
 */
internal class Packer private constructor() :
    BiConsumer<Any?, Any?>,
    Function<Stream<StackWalker.StackFrame>, StackWalker.StackFrame?> {
    private var buf: ByteBuffer = ByteBuffer.allocateDirect(INITIAL).order(ByteOrder.nativeOrder())
    private var address: Long = addressOf(buf)
    private var pos = 0
    private var busy = false

    /** Entries written by [accept] into the map being packed. */
    private var entries = 0

    // $lib_detail sites seen by this thread: (class, method, descriptor, bytecode index) ->
    // the site as packed (class, function, file, line). Open addressing; cleared when full.
    private val siteClass = arrayOfNulls<Class<*>>(SITES)
    private val siteMethod = arrayOfNulls<String>(SITES)
    private val siteDescriptor = arrayOfNulls<String>(SITES)
    private val siteBci = IntArray(SITES)
    private val sitePacked = arrayOfNulls<ByteArray>(SITES)
    private var siteCount = 0

    /** Starts a call: method, flags and, when [libDetail], the caller's site. */
    fun begin(op: Int, libDetail: Boolean, isLoginId: Boolean) {
        pos = 2
        var flags = if (isLoginId) FLAG_LOGIN_ID else 0
        if (libDetail && site()) flags = flags or FLAG_SITE
        buf.put(0, op.toByte())
        buf.put(1, flags.toByte())
    }

    /** Runs the packed call on [client]; throws the public exception of a failure. */
    fun send(client: Long) {
        val code = Jni.call(client, address, pos)
        if (code != 0) throw failure(code)
    }

    // --- scalars and strings ----------------------------------------------------------------

    fun u8(v: Int) {
        ensure(1)
        buf.put(pos, v.toByte())
        pos += 1
    }

    fun u32(v: Int) {
        ensure(4)
        buf.putInt(pos, v)
        pos += 4
    }

    private fun i64(v: Long) {
        ensure(8)
        buf.putLong(pos, v)
        pos += 8
    }

    private fun f64(v: Double) {
        ensure(8)
        buf.putDouble(pos, v)
        pos += 8
    }

    /**
     * A string: its UTF-8 length, then its UTF-8 bytes. A lone surrogate becomes `?`, as
     * `String.getBytes(UTF_8)` writes it.
     */
    fun str(s: CharSequence) {
        val n = s.length
        ensure(4L + 3L * n)
        val b = buf
        val start = pos
        var p = start + 4
        var i = 0
        // ASCII, eight characters a store (the common case: ids, names, keys).
        while (i + 8 <= n) {
            val c0 = s[i].code.toLong()
            val c1 = s[i + 1].code.toLong()
            val c2 = s[i + 2].code.toLong()
            val c3 = s[i + 3].code.toLong()
            val c4 = s[i + 4].code.toLong()
            val c5 = s[i + 5].code.toLong()
            val c6 = s[i + 6].code.toLong()
            val c7 = s[i + 7].code.toLong()
            if ((c0 or c1 or c2 or c3 or c4 or c5 or c6 or c7) >= 0x80) break
            val word = c0 or (c1 shl 8) or (c2 shl 16) or (c3 shl 24) or (c4 shl 32) or (c5 shl 40) or (c6 shl 48) or (c7 shl 56)
            b.putLong(p, if (LITTLE_ENDIAN) word else java.lang.Long.reverseBytes(word))
            p += 8
            i += 8
        }
        while (i < n) {
            val c = s[i].code
            if (c < 0x80) {
                b.put(p++, c.toByte())
            } else if (c < 0x800) {
                b.put(p++, (0xC0 or (c shr 6)).toByte())
                b.put(p++, (0x80 or (c and 0x3F)).toByte())
            } else if (c < 0xD800 || c > 0xDFFF) {
                b.put(p++, (0xE0 or (c shr 12)).toByte())
                b.put(p++, (0x80 or ((c shr 6) and 0x3F)).toByte())
                b.put(p++, (0x80 or (c and 0x3F)).toByte())
            } else if (c < 0xDC00 && i + 1 < n && s[i + 1].code in 0xDC00..0xDFFF) {
                val cp = 0x10000 + ((c - 0xD800) shl 10) + (s[i + 1].code - 0xDC00)
                b.put(p++, (0xF0 or (cp shr 18)).toByte())
                b.put(p++, (0x80 or ((cp shr 12) and 0x3F)).toByte())
                b.put(p++, (0x80 or ((cp shr 6) and 0x3F)).toByte())
                b.put(p++, (0x80 or (cp and 0x3F)).toByte())
                i++
            } else {
                b.put(p++, '?'.code.toByte())
            }
            i++
        }
        b.putInt(start, p - start - 4)
        pos = p
    }

    // --- maps, values, lists, identities ----------------------------------------------------

    /** An optional property map: its entry count ([NO_MAP] for null), then key/value pairs. */
    fun properties(map: Map<*, *>?) {
        if (map == null) {
            u32(NO_MAP)
            return
        }
        val countAt = pos
        u32(0)
        entries = 0
        @Suppress("UNCHECKED_CAST")
        (map as Map<Any?, Any?>).forEach(this)
        buf.putInt(countAt, entries)
    }

    /** One map entry (the map's `forEach` calls this). */
    override fun accept(key: Any?, value: Any?) {
        entries++
        if (key is String) {
            str(key)
            value(value)
        } else {
            // A raw Java map may hold other keys despite its type; the core names the error.
            str(key.toString())
            u8(V_KEY_NOT_STR)
        }
    }

    /** Sorts a value into a tag (PACKING.md); what the SDK does not take goes as its type name. */
    private fun value(v: Any?) {
        when (v) {
            null -> u8(V_NULL)
            is String -> {
                u8(V_STR)
                str(v)
            }
            is Int -> int(v.toLong())
            is Long -> int(v)
            is Double -> float(v)
            is Boolean -> {
                u8(V_BOOL)
                u8(if (v) 1 else 0)
            }
            is Short -> int(v.toLong())
            is Byte -> int(v.toLong())
            // Through its shortest decimal text, so 0.1f is written 0.1, not 0.10000000149011612.
            is Float -> float(if (v.isFinite()) v.toString().toDouble() else v.toDouble())
            is BigInteger -> if (v.bitLength() < 64) int(v.toLong()) else unsupported(V_UNSUPPORTED, v)
            is CharSequence -> {
                u8(V_STR)
                str(v)
            }
            is LocalDateTime -> datetime(wallMillis(v))
            is OffsetDateTime -> datetime(wallMillis(v.toLocalDateTime()), v.offset.totalSeconds)
            is ZonedDateTime -> datetime(wallMillis(v.toLocalDateTime()), v.offset.totalSeconds)
            // Instants have no zone: written in the JVM's zone, as naive (local) datetimes are.
            is Instant -> datetime(wallMillis(LocalDateTime.ofInstant(v, ZoneId.systemDefault())))
            is Date -> datetime(wallMillis(LocalDateTime.ofInstant(Instant.ofEpochMilli(v.time), ZoneId.systemDefault())))
            is LocalDate -> {
                u8(V_DATE)
                ensure(6)
                buf.putInt(pos, v.year)
                buf.put(pos + 4, v.monthValue.toByte())
                buf.put(pos + 5, v.dayOfMonth.toByte())
                pos += 6
            }
            is List<*> -> list(v)
            else -> unsupported(V_UNSUPPORTED, v)
        }
    }

    private fun int(v: Long) {
        u8(V_INT)
        i64(v)
    }

    private fun float(v: Double) {
        u8(V_FLOAT)
        f64(v)
    }

    private fun datetime(wallMillis: Long) {
        u8(V_DATETIME)
        i64(wallMillis)
    }

    private fun datetime(wallMillis: Long, offsetSeconds: Int) {
        u8(V_DATETIME_OFFSET)
        i64(wallMillis)
        u32(offsetSeconds)
    }

    private fun unsupported(tag: Int, v: Any?) {
        u8(tag)
        str(Values.typeName(v))
    }

    /** A list of strings; a list holding anything else goes as that element's type name. */
    private fun list(items: List<*>) {
        val n = items.size
        if (items is RandomAccess) {
            for (i in 0 until n) {
                val item = items[i]
                if (item !is String) return unsupported(V_UNSUPPORTED_LIST_ELEMENT, item)
            }
            u8(V_STR_LIST)
            u32(n)
            for (i in 0 until n) str(items[i] as String)
        } else {
            for (item in items) if (item !is String) return unsupported(V_UNSUPPORTED_LIST_ELEMENT, item)
            u8(V_STR_LIST)
            u32(n)
            for (item in items) str(item as String)
        }
    }

    /** A key list (profile_unset): its count, then the keys. */
    fun keys(keys: List<String>) {
        u32(keys.size)
        if (keys is RandomAccess) {
            for (i in keys.indices) str(keys[i])
        } else {
            for (k in keys) str(k)
        }
    }

    fun identity(id: SensorsAnalyticsIdentity) {
        str(id.key)
        str(id.value)
    }

    fun identities(ids: Array<out SensorsAnalyticsIdentity>) {
        u32(ids.size)
        for (id in ids) identity(id)
    }

    fun identities(ids: List<SensorsAnalyticsIdentity>) {
        u32(ids.size)
        for (id in ids) identity(id)
    }

    // --- $lib_detail ------------------------------------------------------------------------

    /** The first frame outside this package (StackWalker's callback). */
    override fun apply(frames: Stream<StackWalker.StackFrame>): StackWalker.StackFrame? =
        frames.filter(NOT_OURS).findFirst().orElse(null)

    /** Packs the caller's site; false when there is none (a thread started by this package). */
    private fun site(): Boolean {
        val frame = WALKER.walk(this) ?: return false
        val cls = frame.declaringClass
        val method = frame.methodName
        val descriptor = frame.descriptor
        val bci = frame.byteCodeIndex
        val mask = SITES - 1
        var i = ((System.identityHashCode(cls) * 31 + method.hashCode()) * 31 + bci) and mask
        while (true) {
            val c = siteClass[i] ?: break
            if (c === cls && siteBci[i] == bci && siteMethod[i] == method && siteDescriptor[i] == descriptor) {
                val packed = sitePacked[i]!!
                ensure(packed.size.toLong())
                buf.put(pos, packed)
                pos += packed.size
                return true
            }
            i = (i + 1) and mask
        }
        // First time here: the line needs a StackTraceElement (the VM maps the bytecode index).
        val start = pos
        str(frame.className)
        str(method)
        str(frame.fileName ?: "")
        u32(frame.lineNumber.coerceAtLeast(0))
        val packed = ByteArray(pos - start)
        buf.get(start, packed)
        if (siteCount >= SITES * 3 / 4) clearSites()
        // `i` is the free slot the probe stopped at (or, after a clear, any slot: re-probe).
        if (siteCount == 0) {
            i = ((System.identityHashCode(cls) * 31 + method.hashCode()) * 31 + bci) and mask
        }
        siteClass[i] = cls
        siteMethod[i] = method
        siteDescriptor[i] = descriptor
        siteBci[i] = bci
        sitePacked[i] = packed
        siteCount++
        return true
    }

    private fun clearSites() {
        siteClass.fill(null)
        siteMethod.fill(null)
        siteDescriptor.fill(null)
        sitePacked.fill(null)
        siteCount = 0
    }

    // --- buffer -----------------------------------------------------------------------------

    private fun ensure(n: Long) {
        if (pos + n > buf.capacity()) grow(pos + n)
    }

    private fun grow(needed: Long) {
        if (needed > Int.MAX_VALUE - 8) throw OutOfMemoryError("a call's arguments exceed 2 GiB packed")
        val capacity = maxOf(needed, 2L * buf.capacity()).coerceAtMost(Int.MAX_VALUE - 8L).toInt()
        val bigger = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder())
        bigger.put(0, buf, 0, pos)
        buf = bigger
        address = addressOf(bigger)
    }

    /** The exception of a failed call; its text is fetched only now. */
    private fun failure(code: Int): Throwable {
        var len = Jni.lastError(address, buf.capacity())
        if (len > buf.capacity()) {
            pos = 0
            grow(len.toLong())
            len = Jni.lastError(address, buf.capacity())
        }
        val bytes = ByteArray(len)
        buf.get(0, bytes)
        return Failures.of(code, String(bytes, Charsets.UTF_8))
    }

    companion object {
        private const val INITIAL = 4096

        /** A buffer grown past this by a large call is dropped afterwards, not kept per thread. */
        private const val KEEP = 64 * 1024
        private const val SITES = 256

        const val OP_TRACK = 1
        const val OP_TRACK_SIGNUP = 2
        const val OP_PROFILE = 3
        const val OP_PROFILE_UNSET_KEYS = 4
        const val OP_ITEM_SET = 5
        const val OP_ITEM_DELETE = 6
        const val OP_BIND = 7
        const val OP_UNBIND = 8
        const val OP_TRACK_BY_ID = 9
        const val OP_PROFILE_BY_ID = 10
        const val OP_PROFILE_UNSET_KEYS_BY_ID = 11
        const val OP_REGISTER_SUPER_PROPERTIES = 12

        // ProfileOp bytes.
        const val SET = 0
        const val SET_ONCE = 1
        const val INCREMENT = 2
        const val APPEND = 3
        const val UNSET = 4
        const val DELETE = 5

        private const val FLAG_SITE = 1
        private const val FLAG_LOGIN_ID = 2
        private const val NO_MAP = -1 // u32::MAX

        private const val V_NULL = 0
        private const val V_BOOL = 1
        private const val V_INT = 2
        private const val V_FLOAT = 3
        private const val V_STR = 4
        private const val V_DATETIME = 5
        private const val V_DATETIME_OFFSET = 6
        private const val V_DATE = 7
        private const val V_STR_LIST = 8
        private const val V_UNSUPPORTED = 9
        private const val V_UNSUPPORTED_LIST_ELEMENT = 10
        private const val V_KEY_NOT_STR = 11

        private const val OWN_PACKAGE = "sensorsanalytics"
        private val LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN

        private val WALKER: StackWalker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        private val NOT_OURS = Predicate<StackWalker.StackFrame> { it.declaringClass.packageName != OWN_PACKAGE }

        private val LOCAL: ThreadLocal<Packer> = ThreadLocal.withInitial(::Packer)

        /** This thread's packer, or a fresh one inside a call already packing on this thread. */
        fun acquire(): Packer {
            NativeLib.ensure()
            val p = LOCAL.get()
            if (p.busy) return Packer().also { it.busy = true }
            p.busy = true
            return p
        }

        /** Ends a call begun with [acquire]. */
        fun release(p: Packer) {
            p.busy = false
            if (p.buf.capacity() > KEEP) {
                p.buf = ByteBuffer.allocateDirect(INITIAL).order(ByteOrder.nativeOrder())
                p.address = addressOf(p.buf)
            }
        }

        private fun addressOf(b: ByteBuffer): Long = Pointer.nativeValue(Native.getDirectBufferPointer(b))

        /** The wall clock as milliseconds of the same reading in UTC (PACKING.md). */
        private fun wallMillis(wall: LocalDateTime): Long =
            Math.addExact(Math.multiplyExact(wall.toEpochSecond(ZoneOffset.UTC), 1000L), (wall.nano / 1_000_000).toLong())
    }
}
