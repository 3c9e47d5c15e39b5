package sensorsanalytics

import sensorsanalytics.uniffi.NativeRecording

/**
 * For your own unit tests: keeps every record in memory, exactly as another consumer would get
 * it (nothing is written or sent).
 *
 * ```kotlin
 * val recorder = RecordingConsumer()
 * val sa = SensorsAnalytics(recorder)
 * checkout(sa, cart)                                   // your code
 * assertTrue(recorder.lines.last().contains("\"event\":\"PayOrder\""))
 * ```
 *
 * The records are JSON lines: parse them with the JSON library your tests already use.
 */
class RecordingConsumer private constructor(private val recording: NativeRecording) :
    NativeBackedConsumer(recording.consumer()) {
    constructor() : this(NativeRecording())

    /** The records so far as JSON lines, oldest first. */
    val lines: List<String> get() = recording.lines()

    /** How many records are kept. */
    val size: Int get() = recording.count().toInt()

    /** Whether [close] was called (by the client's `close()`, typically). */
    val isClosed: Boolean get() = recording.isClosed()

    /** The records of event [name] (their JSON lines), oldest first. */
    fun events(name: String): List<String> {
        val key = "\"event\":" + jsonString(name)
        return lines.filter { it.contains(key) }
    }

    /** Forgets the records so far. */
    fun clear() = recording.clear()

    private fun jsonString(s: String): String =
        buildString {
            append('"')
            for (c in s) {
                when {
                    c == '"' -> append("\\\"")
                    c == '\\' -> append("\\\\")
                    c < ' ' -> append(String.format("\\u%04x", c.code))
                    else -> append(c)
                }
            }
            append('"')
        }
}
