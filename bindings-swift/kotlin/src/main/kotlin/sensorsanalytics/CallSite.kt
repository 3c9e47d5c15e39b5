package sensorsanalytics

import sensorsanalytics.uniffi.CallSite

/**
 * `$lib_detail` names the user's call: `class##method##file##line` of the first stack frame
 * outside this package. StackWalker stops at that frame instead of filling a whole trace.
 */
internal object CallSites {
    private const val OWN_PACKAGE = "sensorsanalytics"
    private val walker: StackWalker = StackWalker.getInstance()

    fun here(): CallSite? = walker.walk { frames ->
        frames.filter { it.className.substringBeforeLast('.', "") != OWN_PACKAGE }
            .findFirst()
            .map { CallSite(it.className, it.methodName, it.fileName ?: "", it.lineNumber.coerceAtLeast(0).toUInt()) }
            .orElse(null)
    }
}
