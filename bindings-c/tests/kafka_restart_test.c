/*
 * KafkaConsumer with spool_dir through a broker stopped in the middle of a burst and restarted
 * (a broker of this test's own, kafka_broker.h): what librdkafka gives up on while the broker is
 * down (message.timeout.ms, 3 s here) goes to the spool and is produced again once it is back.
 * Counted end to end: every record handed over is read back from the topic with a consumer
 * group; a duplicate may only repeat a record exactly (the same _track_id). Not run under
 * valgrind (a 30 s broker outage at valgrind's pace proves nothing more than the plain runs).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "kafka_broker.h"
#include "suites.h"

#define RECORDS 10000
#define USERS 50

static own_broker broker;

/* The spool's files: a segment is deleted once all of it was produced. */
static int files_in(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    }
    closedir(d);
    return n;
}

static void track_range(sa_client *sa, int from, int to) {
    char user[32];
    int i;
    for (i = from; i < to; i++) {
        sa_properties *p = NULL;
        CHECK_OK(sa_properties_new(&p));
        CHECK_OK(sa_properties_set_int(p, "seq", i));
        snprintf(user, sizeof user, "user-%d", i % USERS);
        CHECK_OK(sa_track(sa, user, "Burst", p, false));
        sa_properties_free(p);
    }
}

static int gave_up;

static void on_give_up(void *user_data, const char *const *records, size_t count, int code, const char *message) {
    (void)user_data;
    (void)records;
    (void)code;
    fprintf(stderr, "gave up on %zu records: %s\n", count, message);
    gave_up += (int)count;
}

/* Reads the topic back and counts: read, lost (seqs never read), duplicated (messages that
   repeat a seq). A repeat must be the same text; every key must be its record's distinct_id. */
static void count_read_back(const char *topic, double started, const sa_consumer_stats *s) {
    static char out[64 << 20];
    static char *first[RECORDS];
    char args[512], *line, *save = NULL;
    int read = 0, duplicated = 0, lost = 0, i;
    snprintf(args, sizeof args, "read %s %s %d 90", broker.bootstrap, topic, RECORDS);
    CHECK(kafka_tool(args, out, sizeof out) == 0);
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char err[128];
        json *m = json_parse(line, strlen(line), err, sizeof err), *record = NULL;
        const json *key = json_get(m, "key"), *value = json_get(m, "value"), *seq, *id;
        read++;
        if (!key || key->type != JSON_STRING || !value || value->type != JSON_STRING) {
            check_failed(__FILE__, __LINE__, "not a message: %.200s", line);
            json_free(m);
            continue;
        }
        record = json_parse(value->string, value->length, err, sizeof err);
        id = json_get(record, "distinct_id");
        CHECK_STR(id ? id->string : NULL, key->string);
        seq = json_get(json_get(record, "properties"), "seq");
        if (!seq || !seq->is_integer || seq->integer < 0 || seq->integer >= RECORDS) {
            check_failed(__FILE__, __LINE__, "a record not handed over: %.200s", value->string);
        } else if (!first[seq->integer]) {
            first[seq->integer] = strdup(value->string);
        } else {
            duplicated++;
            CHECK_STR(value->string, first[seq->integer]); /* the same record, _track_id included */
        }
        json_free(record);
        json_free(m);
    }
    for (i = 0; i < RECORDS; i++) {
        if (!first[i]) lost++;
        free(first[i]);
        first[i] = NULL;
    }
    printf("    kafka restart: %d handed over, %d read back, %d lost, %d duplicated, %llu spooled, "
           "%llu acknowledged, %.1f s\n",
           RECORDS, read, lost, duplicated, (unsigned long long)s->spooled, (unsigned long long)s->sent,
           now_s() - started);
    CHECK(lost == 0);
}

static void test_broker_restart_mid_burst(void) {
    const char *settings[] = {"message.timeout.ms", "3000", "reconnect.backoff.max.ms", "500"};
    char dir[] = "/tmp/sa-c-kafka-restart-XXXXXX";
    char topic[128], args[512], cmd[128];
    double started = now_s(), end;
    sa_kafka_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    sa_consumer_stats s;

    snprintf(topic, sizeof topic, "sa-c-spool-%ld", (long)getpid());
    snprintf(args, sizeof args, "create %s %s 3", broker.bootstrap, topic);
    CHECK(kafka_tool(args, NULL, 0) == 0);
    CHECK(mkdtemp(dir) != NULL);
    CHECK_OK(sa_kafka_options_init(&o));
    o.settings = settings;
    o.settings_len = 2;
    o.spool_dir = dir;
    o.on_give_up = on_give_up;
    CHECK_OK(sa_consumer_kafka_new(broker.bootstrap, topic, &o, &consumer));
    if (!consumer) return;
    CHECK_OK(sa_new(consumer, NULL, false, &sa));

    track_range(sa, 0, RECORDS / 2);
    for (end = now_s() + 20; stats_of(consumer).sent == 0 && now_s() < end;) sleep_ms(10);
    CHECK(own_broker_stop(&broker) == 0);
    track_range(sa, RECORDS / 2, RECORDS);
    sleep_ms(5000); /* past message.timeout.ms: librdkafka gives up, into the spool */
    s = stats_of(consumer);
    CHECK(s.spooled > 0);
    CHECK(own_broker_restart(&broker) == 0);
    /* Delivered once the spool is empty. sa_flush()'s code is not checked: while the spool
       still holds records, the flush that waited may name them. */
    for (end = now_s() + 90; files_in(dir) != 0 && now_s() < end;) {
        (void)sa_flush(sa);
        if (files_in(dir) != 0) sleep_ms(500);
    }
    CHECK(files_in(dir) == 0);
    CHECK_OK(sa_close(sa));
    s = stats_of(consumer);
    CHECK(s.failed == 0 && s.dropped == 0 && gave_up == 0);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    count_read_back(topic, started, &s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_own_broker_required(void) {
    check_failed(__FILE__, __LINE__, "SA_REQUIRE_KAFKA=1 but no broker of the test's own could start");
}

void run_kafka_restart_test(const char *vectors_dir) {
    const char *required = getenv("SA_REQUIRE_KAFKA"), *preload = getenv("LD_PRELOAD");
    const char *name = "kafka: spool_dir, broker stopped mid-burst and restarted: every record read back";
    char scripts[512];
    int rc;
    if (preload && strstr(preload, "vgpreload")) {
        skip_test(name, "not under valgrind");
        return;
    }
    if (!kafka_tool_available()) {
        skip_test(name, "SA_KAFKA_TOOL does not name a built sa-kafka-tool");
        return;
    }
    snprintf(scripts, sizeof scripts, "%s/../kafka", vectors_dir);
    rc = own_broker_start(&broker, scripts, "c-spool-restart");
    if (rc != 0) {
        if (required && strcmp(required, "1") == 0) {
            run_test("kafka: a broker of the test's own", test_own_broker_required);
        } else {
            skip_test(name, "no broker of the test's own (java or mvn missing)");
        }
        return;
    }
    run_test(name, test_broker_restart_mid_burst);
    own_broker_close(&broker);
}
