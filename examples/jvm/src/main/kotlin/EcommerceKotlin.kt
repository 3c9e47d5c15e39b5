// The e-commerce example in Kotlin: a shopper views a product, signs up, pays, gets a profile,
// and the catalogue gets an item. Records go to a local log file, the form LogAgent or Flume
// would pick up.
//
//   mvn -q exec:java -Dexec.mainClass=EcommerceKotlin -Dexec.args=LOG_PATH   (see pom.xml)

import sensorsanalytics.LoggingConsumer
import sensorsanalytics.SensorsAnalytics
import sensorsanalytics.SensorsAnalyticsIllegalDataException
import java.io.File

object EcommerceKotlin {
    @JvmStatic
    fun main(args: Array<String>) {
        val path = args.firstOrNull() ?: "out/ecommerce-kotlin.log"
        File(path).absoluteFile.parentFile.mkdirs()

        // `use` closes the client (writes out what is buffered) on leaving the block.
        SensorsAnalytics(LoggingConsumer(path), projectName = "default").use { sa ->
            sa.registerSuperProperties(mapOf("platform" to "web"))

            val anonymousId = "9771C579-71F0-4650-8EE8-8999FA717761"
            val userId = "user-10086"

            sa.track(
                anonymousId, "ViewProduct",
                mapOf(
                    "product_id" to "SKU-1001",
                    "product_name" to "Wireless Mouse",
                    "product_classify" to "electronics",
                    "price" to 89.9,
                ),
            )
            sa.trackSignup(userId, anonymousId)
            sa.track(
                userId, "PaidOrder",
                mapOf(
                    "order_id" to "ORDER-20261123-0001",
                    "product_id" to "SKU-1001",
                    "quantity" to 2,
                    "order_amount" to 179.8,
                    "pay_method" to "alipay",
                ),
                isLoginId = true,
            )
            sa.profileSet(userId, mapOf("name" to "Li Lei", "gender" to "male", "vip_level" to 3), isLoginId = true)
            sa.profileAppend(userId, mapOf("interests" to listOf("electronics", "books")), isLoginId = true)
            sa.itemSet("product", "SKU-1001", mapOf("name" to "Wireless Mouse", "price" to 89.9))

            // Bad input throws; nothing is recorded for it.
            try {
                sa.track(userId, "1-not-a-name")
            } catch (e: SensorsAnalyticsIllegalDataException) {
                println("refused as expected: ${e.message}")
            }
        }
        println("wrote 6 records to $path")
    }
}
