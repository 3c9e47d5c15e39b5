package sensorsanalytics

import java.math.BigInteger
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZonedDateTime
import java.util.Date

/**
 * The names of Kotlin values' types as the core's error messages show them (an unsupported
 * value is packed as its type name: see [Packer]). Python's names for the kinds Python has (the
 * shared vectors hold Python's messages), else `<class 'java.class.Name'>`.
 */
internal object Values {
    fun typeName(v: Any?): String = when (v) {
        null -> "<class 'NoneType'>"
        is Boolean -> "<class 'bool'>"
        is Int, is Long, is Short, is Byte, is BigInteger -> "<class 'int'>"
        is Double, is Float -> "<class 'float'>"
        is String -> "<class 'str'>"
        is Map<*, *> -> "<class 'dict'>"
        is List<*> -> "<class 'list'>"
        is LocalDate -> "<class 'datetime.date'>"
        is LocalDateTime, is OffsetDateTime, is ZonedDateTime, is Instant, is Date -> "<class 'datetime.datetime'>"
        else -> "<class '${v.javaClass.name}'>"
    }
}
