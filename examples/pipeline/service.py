"""The e-commerce service of the pipeline example: shoppers browse, add to cart, sign up and
pay, and every record goes straight onto the Kafka topic the analysis reads, through
KafkaConsumer (the same JSON line a LoggingConsumer would write, keyed by distinct_id so that
one user's records stay in order in one partition).

    python examples/pipeline/service.py BOOTSTRAP TOPIC [--users N] [--days D] [--spool DIR]

Each simulated user spends a session on each of D days (ending today), so the reader's daily
table has several rows. Prints how many records it handed over and what Kafka acknowledged.
With --spool, records the broker could not take wait in DIR and are produced again later.
"""

import argparse
import datetime
import random
import sys

import sensorsanalytics

PRODUCTS = [("SKU-1001", "Wireless Mouse", 89.9), ("SKU-2002", "Mechanical Keyboard", 399.0),
            ("SKU-3003", "USB-C Hub", 159.0), ("SKU-4004", "27-inch Monitor", 1599.0)]


def session(sa, rng, anonymous_id, user_id, day, signed_up):
    """One visit: views, maybe a cart and an order. Returns the records it made."""
    at = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(minutes=rng.randrange(600))
    n = 0
    distinct_id, login = (user_id, True) if signed_up else (anonymous_id, False)
    for _ in range(rng.randint(1, 4)):
        sku, name, price = rng.choice(PRODUCTS)
        at += datetime.timedelta(seconds=rng.randint(5, 120))
        sa.track(distinct_id, "ViewProduct", {"$time": at, "product_id": sku, "product_name": name,
                                              "price": price}, is_login_id=login)
        n += 1
    if rng.random() < 0.5:
        sku, name, price = rng.choice(PRODUCTS)
        at += datetime.timedelta(seconds=30)
        sa.track(distinct_id, "AddToCart", {"$time": at, "product_id": sku, "quantity": 1}, is_login_id=login)
        n += 1
        if not signed_up:
            sa.track_signup(user_id, anonymous_id, {"$time": at})
            sa.profile_set(user_id, {"signup_day": day.isoformat()}, is_login_id=True)
            n += 2
            distinct_id, login = user_id, True
        at += datetime.timedelta(seconds=60)
        sa.track(distinct_id, "PaidOrder", {"$time": at, "product_id": sku, "order_amount": price,
                                            "pay_method": rng.choice(["alipay", "wechat", "card"])},
                 is_login_id=True)
        n += 1
        signed_up = True
    return n, signed_up


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--spool", default=None)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    consumer = sensorsanalytics.KafkaConsumer(args.bootstrap, args.topic, settings={"linger.ms": 5},
                                              spool_dir=args.spool)
    sa = sensorsanalytics.SensorsAnalytics(consumer, project_name="default")
    sa.register_super_properties({"platform": "web", "service": "shop"})
    for sku, name, price in PRODUCTS:
        sa.item_set("product", sku, {"name": name, "price": price})
    handed = len(PRODUCTS)
    today = datetime.date.today()
    signed = {}
    for d in range(args.days - 1, -1, -1):
        day = today - datetime.timedelta(days=d)
        for u in range(args.users):
            anon = "anon-%04d" % u
            n, signed[u] = session(sa, rng, anon, "user-%04d" % u, day, signed.get(u, False))
            handed += n
    sa.flush()
    stats = consumer.stats()
    sa.close()
    print("handed over %d records; Kafka acknowledged %d (failed %d, spooled %d)" % (
        handed, stats["sent"], stats["failed"], stats["spooled"]))
    if stats["sent"] != handed and not args.spool:
        sys.exit("Kafka did not acknowledge every record")


if __name__ == "__main__":
    main()
