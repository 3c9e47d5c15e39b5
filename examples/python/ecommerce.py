"""The e-commerce example in Python: a shopper views a product, signs up, pays, gets a
profile, and the catalogue gets an item. Records go to a local log file, the form LogAgent or
Flume would pick up.

    python examples/python/ecommerce.py [LOG_PATH]      (default: out/ecommerce-python.log)

Written against the official SDK's API: with SensorsAnalyticsSDK 1.11.0 installed instead of
this package, it runs unchanged.
"""

import os
import sys

import sensorsanalytics


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("out", "ecommerce-python.log")
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)

    consumer = sensorsanalytics.LoggingConsumer(path)
    sa = sensorsanalytics.SensorsAnalytics(consumer, project_name="default")
    try:
        sa.register_super_properties({"platform": "web"})

        anonymous_id = "9771C579-71F0-4650-8EE8-8999FA717761"
        user_id = "user-10086"

        sa.track(anonymous_id, "ViewProduct", {
            "product_id": "SKU-1001",
            "product_name": "Wireless Mouse",
            "product_classify": "electronics",
            "price": 89.9,
        })
        sa.track_signup(user_id, anonymous_id)
        sa.track(user_id, "PaidOrder", {
            "order_id": "ORDER-20261123-0001",
            "product_id": "SKU-1001",
            "quantity": 2,
            "order_amount": 179.8,
            "pay_method": "alipay",
        }, is_login_id=True)
        sa.profile_set(user_id, {"name": "Li Lei", "gender": "male", "vip_level": 3}, is_login_id=True)
        sa.profile_append(user_id, {"interests": ["electronics", "books"]}, is_login_id=True)
        sa.item_set("product", "SKU-1001", {"name": "Wireless Mouse", "price": 89.9})
    finally:
        # Writes out what is buffered. (This module also closes open clients at exit, and
        # `with SensorsAnalytics(...) as sa:` closes on leaving the block.)
        sa.close()

    print("wrote 6 records to %s" % path)


if __name__ == "__main__":
    main()
