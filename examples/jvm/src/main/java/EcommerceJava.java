// The e-commerce example in Java, calling the Kotlin library: the same session as
// EcommerceKotlin.kt. The Kotlin API's default arguments have Java overloads (@JvmOverloads).
//
//   mvn -q exec:java -Dexec.mainClass=EcommerceJava -Dexec.args=LOG_PATH   (see pom.xml)

import java.io.File;
import java.util.List;
import java.util.Map;

import sensorsanalytics.LoggingConsumer;
import sensorsanalytics.SensorsAnalytics;
import sensorsanalytics.SensorsAnalyticsIllegalDataException;

public final class EcommerceJava {
    private EcommerceJava() {}

    public static void main(String[] args) throws Exception {
        String path = args.length > 0 ? args[0] : "out/ecommerce-java.log";
        new File(path).getAbsoluteFile().getParentFile().mkdirs();

        // try-with-resources closes the client (writes out what is buffered).
        try (SensorsAnalytics sa = new SensorsAnalytics(new LoggingConsumer(path), "default")) {
            sa.registerSuperProperties(Map.of("platform", "web"));

            String anonymousId = "9771C579-71F0-4650-8EE8-8999FA717761";
            String userId = "user-10086";

            sa.track(anonymousId, "ViewProduct", Map.of(
                    "product_id", "SKU-1001",
                    "product_name", "Wireless Mouse",
                    "product_classify", "electronics",
                    "price", 89.9));
            sa.trackSignup(userId, anonymousId);
            sa.track(userId, "PaidOrder", Map.of(
                    "order_id", "ORDER-20261123-0001",
                    "product_id", "SKU-1001",
                    "quantity", 2,
                    "order_amount", 179.8,
                    "pay_method", "alipay"), true);
            sa.profileSet(userId, Map.of("name", "Li Lei", "gender", "male", "vip_level", 3), true);
            sa.profileAppend(userId, Map.of("interests", List.of("electronics", "books")), true);
            sa.itemSet("product", "SKU-1001", Map.of("name", "Wireless Mouse", "price", 89.9));

            // Bad input throws; nothing is recorded for it. (Kotlin declares no checked
            // exceptions, so Java catches Exception and looks at its class.)
            try {
                sa.track(userId, "1-not-a-name");
            } catch (Exception e) {
                if (!(e instanceof SensorsAnalyticsIllegalDataException)) throw e;
                System.out.println("refused as expected: " + e.getMessage());
            }
        }
        System.out.println("wrote 6 records to " + path);
    }
}
