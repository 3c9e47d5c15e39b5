package sensorsanalytics

import com.sun.jna.Platform
import java.io.File
import java.nio.file.Files
import java.nio.file.StandardCopyOption

/**
 * Loads the native library once, for both ways Kotlin calls it: the uniffi layer (JNA) and
 * the hot methods' JNI entry points ([Jni]). Both must use the same loaded copy, so the path
 * is settled here first and handed to uniffi through its documented override property.
 *
 * Where the library comes from, first match wins:
 * 1. the system property `uniffi.component.sensorsanalytics_uniffi.libraryOverride` (a path);
 * 2. the jar: `/<os>-<arch>/libsensorsanalytics_uniffi.so` as JNA names platforms
 *    (`linux-x86-64`, `darwin-aarch64`, `win32-x86-64`, ...), used in place when on the file
 *    system (a classes directory), else extracted to a temporary file deleted at exit;
 * 3. a directory of `jna.library.path` or `java.library.path`.
 */
internal object NativeLib {
    const val NAME = "sensorsanalytics_uniffi"
    private const val OVERRIDE = "uniffi.component.$NAME.libraryOverride"

    /** The path loaded. */
    val path: String = System.getProperty(OVERRIDE)?.takeIf { it.isNotEmpty() } ?: locate()

    init {
        System.setProperty(OVERRIDE, path)
        System.load(path)
    }

    /** Touching the object loads the library; call before the first uniffi or JNI call. */
    fun ensure() {}

    private fun locate(): String {
        val file = System.mapLibraryName(NAME)
        val resource = "/${Platform.RESOURCE_PREFIX}/$file"
        val url = NativeLib::class.java.getResource(resource)
        if (url != null) {
            if (url.protocol == "file") return File(url.toURI()).absolutePath
            val tmp = Files.createTempFile("sensorsanalytics-", "-$file")
            tmp.toFile().deleteOnExit()
            url.openStream().use { Files.copy(it, tmp, StandardCopyOption.REPLACE_EXISTING) }
            return tmp.toAbsolutePath().toString()
        }
        for (property in listOf("jna.library.path", "java.library.path")) {
            for (dir in System.getProperty(property).orEmpty().split(File.pathSeparatorChar)) {
                if (dir.isNotEmpty() && File(dir, file).isFile) return File(dir, file).absolutePath
            }
        }
        throw UnsatisfiedLinkError(
            "$file for ${Platform.RESOURCE_PREFIX} is neither in the jar ($resource) nor on jna.library.path/java.library.path",
        )
    }
}

/**
 * The JNI entry points of `bindings-swift/src/jvm.rs`: only primitives cross, no JNA, no
 * objects. The packed format is `bindings-swift/PACKING.md`.
 */
internal object Jni {
    init {
        NativeLib.ensure()
    }

    /** Runs the packed call at `address` (`length` bytes): 0, or an error code (PACKING.md). */
    @JvmStatic external fun call(client: Long, address: Long, length: Int): Int

    /** Writes this thread's last error text at `address` if it fits; returns its length. */
    @JvmStatic external fun lastError(address: Long, capacity: Int): Int

    /** A uniffi handle of a CoreClient (cloned for us) to the pointer [call] takes. */
    @JvmStatic external fun adopt(handle: Long): Long

    /** Drops what [adopt] returned. */
    @JvmStatic external fun release(client: Long)
}
