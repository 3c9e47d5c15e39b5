/*
 * An e-commerce session tracked with the Sensors Analytics C SDK.
 *
 *   cc example.c $(pkg-config --cflags --libs sensorsanalytics) -o example
 *   ./example [LOG_PREFIX]      # records go to LOG_PREFIX.YYYY-MM-DD (default ./sa-events)
 *
 * The file is what Sensors Analytics' LogAgent tails. Swap the consumer for
 * sa_consumer_batch_new("http://host:8106/sa?project=default", 50, 0, &consumer) to send
 * straight to a server instead.
 */
#include <stdio.h>
#include <time.h>

#include <sensorsanalytics.h>

/* Reports a failed call and says whether it failed. */
static int failed(int rc, const char *what) {
    if (rc == SA_OK) return 0;
    fprintf(stderr, "%s: %s error: %s\n", what, sa_error_name(rc), sa_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "./sa-events";
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    sa_properties *props = NULL;
    sa_identity *login = NULL, *phone = NULL;
    const sa_identity *ids[2];
    const char *tags[] = {"vip", "early-adopter"};
    int errors = 0;

    if (failed(sa_consumer_concurrent_logging_new(prefix, 8192, &consumer), "consumer")) return 1;
    if (failed(sa_new(consumer, "default", false, &sa), "client")) return 1;
    sa_consumer_free(consumer); /* the client keeps its own reference */
    if (failed(sa_properties_new(&props), "properties")) return 1;

    /* Carried by every event from now on. */
    sa_properties_set_string(props, "$app_version", "2.4.0");
    sa_properties_set_string(props, "platform", "server");
    errors += failed(sa_register_super_properties(sa, props), "register_super_properties");

    /* An anonymous visitor browses, then signs up. */
    sa_properties_clear(props);
    sa_properties_set_string(props, "product_id", "sku-1024");
    sa_properties_set_string(props, "product_name", "Tea set");
    sa_properties_set_double(props, "price", 129.9);
    errors += failed(sa_track(sa, "device-7f3a", "ViewProduct", props, false), "track");
    errors += failed(sa_track_signup(sa, "user-42", "device-7f3a", NULL), "track_signup");

    /* The user's profile. */
    sa_properties_clear(props);
    sa_properties_set_string(props, "name", "Li Lei");
    sa_properties_set_date(props, "birthday", 1990, 5, 17);
    sa_properties_set_string_list(props, "tags", tags, 2);
    errors += failed(sa_profile_set(sa, "user-42", props, true), "profile_set");

    /* The order, at a given time (the $time property). */
    sa_properties_clear(props);
    sa_properties_set_string(props, "order_id", "o-9001");
    sa_properties_set_double(props, "amount", 259.8);
    sa_properties_set_int(props, "items", 2);
    sa_properties_set_datetime(props, "$time", (int64_t)time(NULL) * 1000, 480);
    errors += failed(sa_track(sa, "user-42", "PayOrder", props, true), "track");

    sa_properties_clear(props);
    sa_properties_set_int(props, "orders", 1);
    errors += failed(sa_profile_increment(sa, "user-42", props, true), "profile_increment");

    /* ID-Mapping 3.0: the same user by login id and phone number. */
    sa_identity_new(SA_IDENTITY_LOGIN_ID, "user-42", &login);
    sa_identity_new(SA_IDENTITY_MOBILE, "13800000000", &phone);
    ids[0] = login;
    ids[1] = phone;
    errors += failed(sa_bind(sa, ids, 2), "bind");
    errors += failed(sa_track_by_id(sa, "Checkout", NULL, ids, 2), "track_by_id");

    /* The catalogue item. */
    sa_properties_clear(props);
    sa_properties_set_string(props, "category", "kitchen");
    errors += failed(sa_item_set(sa, "product", "sku-1024", props), "item_set");

    /* Bad input is an error code and a message, never a crash. */
    if (sa_track(sa, "user-42", "1-not-a-name", NULL, false) == SA_ERR_ILLEGAL_DATA)
        printf("refused as expected: %s\n", sa_last_error_message());

    sa_identity_free(login);
    sa_identity_free(phone);
    sa_properties_free(props);
    errors += failed(sa_close(sa), "close"); /* writes what is buffered */
    errors += failed(sa_free(sa), "free");
    printf("%s: 8 records in %s.YYYY-MM-DD\n", errors ? "failed" : "done", prefix);
    return errors ? 1 : 0;
}
