package sensorsanalytics

import sensorsanalytics.uniffi.Property
import sensorsanalytics.uniffi.PropertyValue
import java.math.BigInteger
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.ZonedDateTime
import java.util.Date

/**
 * Kotlin values to the FFI's [PropertyValue]. Only conversion happens here: an unsupported
 * value is passed on as `Unsupported(<type name>)` and the core reports it, in the reference's
 * order, with the reference's text. Type names are Python's for the kinds Python has (the
 * shared vectors hold Python's messages), else `<class 'java.class.Name'>`.
 */
internal object Values {
    fun properties(map: Map<*, *>?): List<Property>? = map?.let(::propertyList)

    fun propertyList(map: Map<*, *>): List<Property> {
        val out = ArrayList<Property>(map.size)
        // Iterated as Map<*, *>: a raw Java map may hold non-String keys despite the type.
        for ((k, v) in map) {
            out += if (k is String) Property(k, value(v)) else Property(k.toString(), PropertyValue.KeyNotStr)
        }
        return out
    }

    fun value(v: Any?): PropertyValue = when (v) {
        null -> PropertyValue.Null
        is String -> PropertyValue.Str(v)
        is Boolean -> PropertyValue.Bool(v)
        is Int -> PropertyValue.Int(v.toLong())
        is Long -> PropertyValue.Int(v)
        is Short -> PropertyValue.Int(v.toLong())
        is Byte -> PropertyValue.Int(v.toLong())
        is Double -> PropertyValue.Float(v)
        // Through its shortest decimal text, so 0.1f is written 0.1, not 0.10000000149011612.
        is Float -> PropertyValue.Float(if (v.isFinite()) v.toString().toDouble() else v.toDouble())
        is BigInteger -> if (v.bitLength() < 64) PropertyValue.Int(v.toLong()) else unsupported(v)
        is CharSequence -> PropertyValue.Str(v.toString())
        is LocalDateTime -> PropertyValue.DateTime(wallMillis(v), null)
        is OffsetDateTime -> PropertyValue.DateTime(wallMillis(v.toLocalDateTime()), v.offset.totalSeconds)
        is ZonedDateTime -> PropertyValue.DateTime(wallMillis(v.toLocalDateTime()), v.offset.totalSeconds)
        // Instants have no zone: written in the JVM's zone, as naive (local) datetimes are.
        is Instant -> local(v)
        is Date -> local(Instant.ofEpochMilli(v.time))
        is LocalDate -> PropertyValue.Date(v.year, v.monthValue.toUInt(), v.dayOfMonth.toUInt())
        is List<*> -> list(v)
        else -> unsupported(v)
    }

    private fun list(items: List<*>): PropertyValue {
        val strings = ArrayList<String>(items.size)
        for (item in items) {
            if (item !is String) return PropertyValue.UnsupportedListElement(typeName(item))
            strings += item
        }
        return PropertyValue.StrList(strings)
    }

    private fun local(instant: Instant) = PropertyValue.DateTime(wallMillis(LocalDateTime.ofInstant(instant, ZoneId.systemDefault())), null)

    /** The wall clock as milliseconds of the same reading in UTC (the FFI's encoding). */
    private fun wallMillis(wall: LocalDateTime): Long = wall.toInstant(ZoneOffset.UTC).toEpochMilli()

    private fun unsupported(v: Any) = PropertyValue.Unsupported(typeName(v))

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
