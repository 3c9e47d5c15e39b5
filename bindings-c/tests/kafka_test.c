/*
 * sa_consumer_kafka_new against a real local Kafka broker (tests/kafka, reached through the
 * sa-kafka-tool binary named by SA_KAFKA_TOOL): every record tracked is read back with a
 * consumer group, under its distinct_id, each user's in order; the counters; the error codes
 * of bad arguments and of a topic that does not exist. Skipped only where there can be no
 * broker, and never when SA_REQUIRE_KAFKA=1 (CI).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "kafka_broker.h"
#include "suites.h"

#define USERS 4
#define PER_USER 50

static char bootstrap[256];

static void test_records_read_back_in_each_users_order(void) {
    static char out[1 << 20];
    char topic[128], args[512], user[32];
    const char *settings[] = {"linger.ms", "2", "client.id", "sa-c-test"};
    sa_kafka_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    sa_consumer_stats s;
    long long next_seq[USERS] = {0};
    int u, seq, read = 0;
    char *line, *save = NULL;

    snprintf(topic, sizeof topic, "sa-c-%ld", (long)getpid());
    snprintf(args, sizeof args, "create %s %s 3", bootstrap, topic);
    CHECK(kafka_tool(args, NULL, 0) == 0);
    CHECK_OK(sa_kafka_options_init(&o));
    CHECK(o.max_size == 100000);
    o.settings = settings;
    o.settings_len = 2;
    CHECK_OK(sa_consumer_kafka_new(bootstrap, topic, &o, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    for (seq = 0; seq < PER_USER; seq++) {
        for (u = 0; u < USERS; u++) {
            sa_properties *p = NULL;
            CHECK_OK(sa_properties_new(&p));
            CHECK_OK(sa_properties_set_int(p, "seq", seq));
            snprintf(user, sizeof user, "user-%d", u);
            CHECK_OK(sa_track(sa, user, "ViewProduct", p, false));
            sa_properties_free(p);
        }
    }
    CHECK_OK(sa_flush(sa));
    s = stats_of(consumer);
    CHECK(s.sent == USERS * PER_USER && s.failed == 0 && s.dropped == 0 && s.queue_depth == 0);
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);

    snprintf(args, sizeof args, "read %s %s %d 60", bootstrap, topic, USERS * PER_USER);
    CHECK(kafka_tool(args, out, sizeof out) == 0);
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char err[128];
        json *m = json_parse(line, strlen(line), err, sizeof err), *record;
        const json *key = json_get(m, "key"), *value = json_get(m, "value");
        read++;
        if (!key || key->type != JSON_STRING || !value || value->type != JSON_STRING) {
            check_failed(__FILE__, __LINE__, "not a message: %s", line);
            json_free(m);
            continue;
        }
        record = json_parse(value->string, value->length, err, sizeof err);
        CHECK_STR(json_get(record, "distinct_id") ? json_get(record, "distinct_id")->string : NULL, key->string);
        CHECK_STR(json_get(record, "event") ? json_get(record, "event")->string : NULL, "ViewProduct");
        if (sscanf(key->string, "user-%d", &u) == 1 && u >= 0 && u < USERS) {
            const json *seqv = json_get(json_get(record, "properties"), "seq");
            CHECK(seqv && seqv->is_integer && seqv->integer == next_seq[u]); /* in order */
            next_seq[u]++;
        } else {
            check_failed(__FILE__, __LINE__, "unexpected key %s", key->string);
        }
        json_free(record);
        json_free(m);
    }
    CHECK(read == USERS * PER_USER);
}

static int gave_up;

static void on_give_up(void *user_data, const char *const *records, size_t count, int code, const char *message) {
    (void)user_data;
    (void)records;
    CHECK(code == SA_ERR_NETWORK);
    CHECK(strstr(message, "does not exist") != NULL);
    gave_up += (int)count;
}

static void test_unknown_topic(void) {
    const char *settings[] = {"topic.metadata.propagation.max.ms", "1000"};
    sa_kafka_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    CHECK_OK(sa_kafka_options_init(&o));
    o.settings = settings;
    o.settings_len = 1;
    o.on_give_up = on_give_up;
    CHECK_OK(sa_consumer_kafka_new(bootstrap, "sa-c-no-such-topic", &o, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    CHECK_OK(sa_track(sa, "u", "Lost", NULL, false));
    CHECK_CODE(sa_flush(sa), SA_ERR_NETWORK);
    CHECK(strstr(sa_last_error_message(), "topic 'sa-c-no-such-topic' does not exist") != NULL);
    CHECK(gave_up == 1);
    CHECK(stats_of(consumer).failed == 1);
    sa_close(sa);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
}

static void test_bad_arguments(void) {
    const char *settings[] = {"bootstrap.servers", "x:1"};
    const char *unknown[] = {"no.such.setting", "1"};
    sa_kafka_options o;
    sa_consumer *consumer = NULL;
    CHECK_CODE(sa_consumer_kafka_new("127.0.0.1:9", "has space", NULL, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(consumer == NULL);
    CHECK_CODE(sa_consumer_kafka_new(NULL, "t", NULL, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_kafka_options_init(&o));
    o.settings = settings;
    o.settings_len = 1;
    CHECK_CODE(sa_consumer_kafka_new("127.0.0.1:9", "t", &o, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "bootstrap_servers argument") != NULL);
    o.settings = unknown;
    CHECK_CODE(sa_consumer_kafka_new("127.0.0.1:9", "t", &o, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "no.such.setting") != NULL);
    o.settings = NULL;
    CHECK_CODE(sa_consumer_kafka_new("127.0.0.1:9", "t", &o, &consumer), SA_ERR_INVALID_ARGUMENT);
}

/* No broker needed: nothing listens on port 9. With spool_dir, what sa_close()'s bound leaves
 * in librdkafka goes to the spool (for this process or the next to produce) instead of being
 * given up on: the counters say so, and the spool's files hold it. */
static void test_spool_dir_keeps_what_an_unreachable_broker_did_not_take(void) {
    char dir[] = "/tmp/sa-c-kafka-spool-XXXXXX";
    char cmd[128];
    sa_kafka_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    sa_consumer_stats s;
    int i;
    CHECK(mkdtemp(dir) != NULL);
    CHECK_OK(sa_kafka_options_init(&o));
    CHECK(o.spool_dir == NULL && o.spool_max_bytes == 0 && !o.spool_fsync);
    o.spool_dir = dir;
    o.close_timeout_ms = 300;
    CHECK_OK(sa_consumer_kafka_new("127.0.0.1:9", "events", &o, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    for (i = 0; i < 5; i++) CHECK_OK(sa_track(sa, "u", "Spooled", NULL, false));
    CHECK_OK(sa_close(sa));
    s = stats_of(consumer);
    CHECK(s.spooled == 5);
    CHECK(s.failed == 0 && s.sent == 0);
    CHECK(s.spool_bytes > 0);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static const char *no_broker_reason;

static void test_broker_required(void) {
    check_failed(__FILE__, __LINE__, "SA_REQUIRE_KAFKA=1 but %s", no_broker_reason);
}

void run_kafka_tests(void) {
    const char *required = getenv("SA_REQUIRE_KAFKA");
    const char *tool = getenv("SA_KAFKA_TOOL");
    int rc;
    run_test("kafka: bad arguments", test_bad_arguments);
    run_test("kafka: spool_dir keeps what an unreachable broker did not take",
             test_spool_dir_keeps_what_an_unreachable_broker_did_not_take);
    rc = kafka_tool("broker", bootstrap, sizeof bootstrap);
    if (rc != 0) {
        const char *why = tool ? "no local Kafka broker (sa-kafka-tool broker failed)" : "SA_KAFKA_TOOL is not set";
        if (required && strcmp(required, "1") == 0) {
            no_broker_reason = why;
            run_test("kafka: broker available", test_broker_required);
        } else {
            skip_test("kafka: records read back", why);
            skip_test("kafka: unknown topic", why);
        }
        return;
    }
    bootstrap[strcspn(bootstrap, "\r\n")] = '\0';
    run_test("kafka: records read back, each user's in order", test_records_read_back_in_each_users_order);
    run_test("kafka: unknown topic", test_unknown_topic);
}
