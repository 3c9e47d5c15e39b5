/*
 * The four HTTP consumers against the loopback receiver (tests/receiver), started by these
 * tests on 127.0.0.1: what arrives, the counters, and the error codes (Network, Debug,
 * IllegalData for a bad URL), including faults the receiver injects.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "receiver.h"
#include "suites.h"

static const char *receiver_exe;
static const char *work;

static int start(receiver *r, const char *name, const char *const *extra) {
    return receiver_start_in(r, receiver_exe, work, name, extra);
}

/* A client on `consumer` (the caller keeps its handle, to read the counters). */
static sa_client *client_on(sa_consumer *consumer) {
    sa_client *sa = NULL;
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    return sa;
}

static void track_n(sa_client *sa, int n) {
    int i;
    for (i = 0; i < n; i++) CHECK_OK(sa_track(sa, "u1", "Sent", NULL, false));
}

static void test_default(void) {
    receiver r;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    if (!start(&r, "default", NULL)) return;
    CHECK_OK(sa_consumer_default_new(r.url, 5000, &consumer));
    sa = client_on(consumer);
    track_n(sa, 3);
    CHECK(receiver_count(&r) == 3); /* synchronous: each call waited for its answer */
    CHECK(stats_of(consumer).sent == 3);
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

static void test_batch(void) {
    receiver r;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    if (!start(&r, "batch", NULL)) return;
    CHECK_OK(sa_consumer_batch_new(r.url, 2, 0, &consumer));
    sa = client_on(consumer);
    track_n(sa, 3);
    CHECK(receiver_count(&r) == 2); /* one full batch of two sent; one record waits */
    CHECK(stats_of(consumer).queue_depth == 1);
    CHECK_OK(sa_flush(sa));
    CHECK(receiver_count(&r) == 3);
    CHECK(stats_of(consumer).sent == 3);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

static void test_async_batch(void) {
    receiver r;
    sa_consumer *consumer = NULL;
    sa_async_batch_options options;
    sa_client *sa;
    sa_consumer_stats s;
    if (!start(&r, "async", NULL)) return;
    CHECK_OK(sa_async_batch_options_init(&options));
    CHECK(options.flush_max_time_ms == 3000 && options.flush_size == 20 && options.max_batch_size == 100 &&
          options.max_size == 1000 && options.request_timeout_ms == 0 && options.on_give_up == NULL);
    options.flush_size = 5;
    CHECK_OK(sa_consumer_async_batch_new(r.url, &options, &consumer));
    sa = client_on(consumer);
    track_n(sa, 12);
    CHECK_OK(sa_flush(sa));
    CHECK(receiver_count(&r) == 12);
    s = stats_of(consumer);
    CHECK(s.sent == 12 && s.failed == 0 && s.dropped == 0 && s.queue_depth == 0);
    track_n(sa, 2);
    CHECK_OK(sa_close(sa)); /* drains */
    CHECK(receiver_count(&r) == 14);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
    CHECK_CODE(sa_async_batch_options_init(NULL), SA_ERR_INVALID_ARGUMENT);
}

/* A full queue is the caller's Network error, counted as dropped. The receiver answers
   slowly, so the sender is busy with the first record while the rest arrive. */
static void test_async_queue_full(void) {
    static const char *const faults[] = {"--delay-ms", "300", NULL};
    receiver r;
    sa_consumer *consumer = NULL;
    sa_async_batch_options options;
    sa_client *sa;
    int i, refused = 0;
    if (!start(&r, "async_full", faults)) return;
    CHECK_OK(sa_async_batch_options_init(&options));
    options.max_size = 2;
    options.flush_size = 1;
    options.max_batch_size = 1;
    options.max_in_flight = 1;
    CHECK_OK(sa_consumer_async_batch_new(r.url, &options, &consumer));
    sa = client_on(consumer);
    for (i = 0; i < 20; i++) {
        int rc = sa_track(sa, "u1", "Sent", NULL, false);
        if (rc == SA_ERR_NETWORK) {
            refused++;
            CHECK_STR(sa_last_error_message(), "the AsyncBatchConsumer queue is full (2 records); record dropped");
        } else {
            CHECK_OK(rc);
        }
    }
    CHECK(refused > 0);
    CHECK(stats_of(consumer).dropped == (uint64_t)refused);
    CHECK_OK(sa_close(sa)); /* sends what was queued */
    CHECK(receiver_count(&r) == 20 - refused);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

typedef struct {
    pthread_mutex_t lock;
    size_t records;
    int code;
    char first[4096]; /* the first record given up on (records run to ~300 bytes) */
} give_up_log;

static void on_give_up(void *user_data, const char *const *records, size_t count, int code, const char *message) {
    give_up_log *log = (give_up_log *)user_data;
    (void)message;
    pthread_mutex_lock(&log->lock);
    if (log->records == 0 && count > 0) snprintf(log->first, sizeof log->first, "%s", records[0]);
    log->records += count;
    log->code = code;
    pthread_mutex_unlock(&log->lock);
}

/* A final answer (400) is not retried: the batch is given up on, reported three ways. */
static void test_async_give_up(void) {
    static const char *const faults[] = {"--default-status", "400", NULL};
    receiver r;
    sa_consumer *consumer = NULL;
    sa_async_batch_options options;
    sa_client *sa;
    give_up_log log;
    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.lock, NULL);
    if (!start(&r, "async_give_up", faults)) return;
    CHECK_OK(sa_async_batch_options_init(&options));
    options.on_give_up = on_give_up;
    options.user_data = &log;
    CHECK_OK(sa_consumer_async_batch_new(r.url, &options, &consumer));
    sa = client_on(consumer);
    track_n(sa, 2);
    CHECK_CODE(sa_flush(sa), SA_ERR_NETWORK);
    CHECK(stats_of(consumer).failed == 2);
    pthread_mutex_lock(&log.lock);
    CHECK(log.records == 2 && log.code == SA_ERR_NETWORK && strstr(log.first, "\"event\":\"Sent\"") != NULL);
    pthread_mutex_unlock(&log.lock);
    CHECK(receiver_count(&r) == 0);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
    pthread_mutex_destroy(&log.lock);
}

/* Connection refused and a 4xx answer are Network errors of the synchronous consumers. */
static void test_network_errors(void) {
    static const char *const faults[] = {"--default-status", "403", NULL};
    receiver r;
    char url[256];
    sa_consumer *consumer = NULL;
    sa_client *sa;
    if (!start(&r, "gone", NULL)) return;
    snprintf(url, sizeof url, "%s", r.url);
    receiver_stop(&r); /* the port now refuses connections */
    CHECK_OK(sa_consumer_default_new(url, 2000, &consumer));
    sa = client_on(consumer);
    CHECK_CODE(sa_track(sa, "u1", "Lost", NULL, false), SA_ERR_NETWORK);
    CHECK(stats_of(consumer).failed == 1);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);

    if (!start(&r, "forbidden", faults)) return;
    CHECK_OK(sa_consumer_batch_new(r.url, 50, 2000, &consumer));
    sa = client_on(consumer);
    track_n(sa, 1);
    CHECK_CODE(sa_flush(sa), SA_ERR_NETWORK);
    CHECK(strstr(sa_last_error_message(), "403") != NULL);
    CHECK_CODE(sa_free(sa), SA_ERR_NETWORK); /* the record is still buffered: close fails too */
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

/* The debug consumer prints the server's verdict on stdout: send it to a file here. */
static void test_debug(void) {
    static const char *const faults[] = {"--status-seq", "200,400", NULL};
    receiver r;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    int saved, fd;
    char printed[1024];
    if (!start(&r, "debug", faults)) return;
    snprintf(printed, sizeof printed, "%s/debug.stdout", work);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(printed, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    CHECK_OK(sa_consumer_debug_new(r.url, false, 2000, &consumer));
    sa = client_on(consumer);
    CHECK_OK(sa_track(sa, "u1", "Checked", NULL, false));
    CHECK_CODE(sa_track(sa, "u1", "Checked", NULL, false), SA_ERR_DEBUG);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    CHECK(receiver_count(&r) == 1);
    receiver_stop(&r);
}

static void test_http_arguments(void) {
    sa_consumer *consumer = NULL;
    sa_consumer_stats s;
    CHECK_CODE(sa_consumer_default_new("ftp://127.0.0.1/sa", 0, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "invalid server url") != NULL);
    CHECK(consumer == NULL);
    CHECK_CODE(sa_consumer_batch_new("not a url", 50, 0, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_CODE(sa_consumer_async_batch_new("", NULL, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_CODE(sa_consumer_debug_new("::", true, 0, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_CODE(sa_consumer_default_new(NULL, 0, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "url_prefix must not be NULL");
    CHECK_CODE(sa_consumer_batch_new(NULL, 50, 0, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_consumer_async_batch_new(NULL, NULL, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_consumer_debug_new(NULL, true, 0, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_consumer_default_new("http://127.0.0.1:9/sa", 0, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_consumer_console_new(&consumer));
    CHECK_CODE(sa_consumer_get_stats(consumer, &s), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "this consumer has no counters (not an HTTP consumer)");
    CHECK_CODE(sa_consumer_get_stats(consumer, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_consumer_get_stats(NULL, &s), SA_ERR_INVALID_ARGUMENT);
    sa_consumer_free(consumer);
}

/* The spool: records tracked while nobody listens stay in spool_dir (close does not wait for
   a receiver that is not there, and is not an error); the next consumer on the same
   directory sends them. Every record handed over arrives: 0 lost. */
static void test_spool_across_a_restart(int batch) {
    receiver r;
    char dead_url[256], dir[1024];
    sa_consumer *consumer = NULL;
    sa_client *sa;
    sa_consumer_stats s;
    sa_async_batch_options options;
    sa_batch_options boptions;
    snprintf(dir, sizeof dir, "%s/spool-%s", work, batch ? "batch" : "async");
    if (!start(&r, batch ? "spool-dead-b" : "spool-dead-a", NULL)) return;
    snprintf(dead_url, sizeof dead_url, "%s", r.url);
    receiver_stop(&r); /* its port now refuses connections */

    CHECK_OK(sa_async_batch_options_init(&options));
    options.spool_dir = dir;
    CHECK_OK(sa_batch_options_init(&boptions));
    CHECK(boptions.max_size == 50 && boptions.spool_dir == NULL);
    boptions.spool_dir = dir;
    boptions.request_timeout_ms = 2000;
    if (batch) {
        CHECK_OK(sa_consumer_batch_new_with(dead_url, &boptions, &consumer));
    } else {
        CHECK_OK(sa_consumer_async_batch_new(dead_url, &options, &consumer));
    }
    sa = client_on(consumer);
    track_n(sa, 500);
    CHECK_OK(sa_close(sa)); /* spooled, not lost: no error */
    s = stats_of(consumer);
    CHECK(s.spooled == 500 && s.sent == 0 && s.failed == 0);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);

    if (!start(&r, batch ? "spool-b" : "spool-a", NULL)) return;
    consumer = NULL;
    if (batch) {
        CHECK_OK(sa_consumer_batch_new_with(r.url, &boptions, &consumer));
    } else {
        CHECK_OK(sa_consumer_async_batch_new(r.url, &options, &consumer));
    }
    sa = client_on(consumer);
    track_n(sa, 20);
    CHECK_OK(sa_close(sa));
    s = stats_of(consumer);
    CHECK(s.replayed == 500 && s.sent == 520);
    CHECK(receiver_count(&r) == 520);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

static void test_spool_async(void) { test_spool_across_a_restart(0); }
static void test_spool_batch(void) { test_spool_across_a_restart(1); }

static void test_spool_unusable_dir(void) {
    sa_consumer *consumer = NULL;
    sa_async_batch_options options;
    CHECK_OK(sa_async_batch_options_init(&options));
    options.spool_dir = "/proc/no-spool-here";
    CHECK(sa_consumer_async_batch_new("http://127.0.0.1:9/sa", &options, &consumer) != SA_OK);
    CHECK(consumer == NULL);
}

/* The network options of every HTTP consumer (issue 15): custom headers and gzip=0 reach the
   receiver from each of the four; a bad header or ca_file is SA_ERR_ILLEGAL_DATA at once. */
static const char *const net_headers[] = {"X-Gateway-Token: tok-1", "X-Tenant: t1"};

static void check_requests_carry_the_options(const receiver *r, int requests) {
    static char log[1 << 16];
    const char *p = log;
    int seen = 0;
    CHECK(receiver_requests(r, log, sizeof log) > 0);
    while ((p = strstr(p, "\"x-gateway-token\": \"tok-1\"")) != NULL) {
        seen++;
        p++;
    }
    CHECK(seen == requests);
    CHECK(strstr(log, "\"x-tenant\": \"t1\"") != NULL);
    CHECK(strstr(log, "\"gzip\": true") == NULL);
    CHECK(strstr(log, "\"gzip\": false") != NULL);
}

static void test_network_options(void) {
    receiver r;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    sa_default_options d;
    sa_batch_options b;
    sa_async_batch_options a;
    sa_debug_options g;

    if (!start(&r, "net_default", NULL)) return;
    CHECK_OK(sa_default_options_init(&d));
    CHECK(d.network.gzip && d.network.ca_file == NULL && d.network.header_count == 0);
    d.network.headers = net_headers;
    d.network.header_count = 2;
    d.network.gzip = false;
    CHECK_OK(sa_consumer_default_new_with(r.url, &d, &consumer));
    sa = client_on(consumer);
    track_n(sa, 2);
    CHECK(receiver_count(&r) == 2);
    check_requests_carry_the_options(&r, 2);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);

    if (!start(&r, "net_batch", NULL)) return;
    CHECK_OK(sa_batch_options_init(&b));
    b.max_size = 2;
    b.network.headers = net_headers;
    b.network.header_count = 2;
    b.network.gzip = false;
    CHECK_OK(sa_consumer_batch_new_with(r.url, &b, &consumer));
    sa = client_on(consumer);
    track_n(sa, 4);
    CHECK_OK(sa_close(sa));
    CHECK(receiver_count(&r) == 4);
    check_requests_carry_the_options(&r, 2);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);

    if (!start(&r, "net_async", NULL)) return;
    CHECK_OK(sa_async_batch_options_init(&a));
    a.flush_size = 3;
    a.max_batch_size = 3;
    a.network.headers = net_headers;
    a.network.header_count = 2;
    a.network.gzip = false;
    CHECK_OK(sa_consumer_async_batch_new(r.url, &a, &consumer));
    sa = client_on(consumer);
    track_n(sa, 3);
    CHECK_OK(sa_close(sa));
    CHECK(receiver_count(&r) == 3);
    check_requests_carry_the_options(&r, 1);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);

    if (!start(&r, "net_debug", NULL)) return;
    CHECK_OK(sa_debug_options_init(&g));
    CHECK(g.write_data);
    g.network.headers = net_headers;
    g.network.header_count = 2;
    g.network.gzip = false;
    CHECK_OK(sa_consumer_debug_new_with(r.url, &g, &consumer));
    sa = client_on(consumer);
    track_n(sa, 1);
    check_requests_carry_the_options(&r, 1);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

static void test_bad_network_options(void) {
    static const char *const crlf[] = {"X-A: a\r\nX-B: b"};
    static const char *const reserved[] = {"User-Agent: mine"};
    static const char *const no_colon[] = {"X-Tenant t1"};
    sa_consumer *consumer = NULL;
    sa_default_options d;
    sa_batch_options b;
    sa_async_batch_options a;
    sa_debug_options g;
    CHECK_OK(sa_default_options_init(&d));
    d.network.headers = crlf;
    d.network.header_count = 1;
    CHECK_CODE(sa_consumer_default_new_with("http://127.0.0.1:9/sa", &d, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "no CR, LF") != NULL);
    d.network.headers = reserved;
    CHECK_CODE(sa_consumer_default_new_with("http://127.0.0.1:9/sa", &d, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "the SDK sets it itself") != NULL);
    d.network.headers = no_colon;
    CHECK_CODE(sa_consumer_default_new_with("http://127.0.0.1:9/sa", &d, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "X-Tenant t1") != NULL);
    d.network.headers = NULL; /* a count without an array: a mistake in the program */
    CHECK_CODE(sa_consumer_default_new_with("http://127.0.0.1:9/sa", &d, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_batch_options_init(&b));
    b.network.ca_file = "/nonexistent/ca.pem";
    CHECK_CODE(sa_consumer_batch_new_with("http://127.0.0.1:9/sa", &b, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "/nonexistent/ca.pem") != NULL);
    CHECK_OK(sa_async_batch_options_init(&a));
    a.network.proxy = "";
    CHECK_CODE(sa_consumer_async_batch_new("http://127.0.0.1:9/sa", &a, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_OK(sa_debug_options_init(&g));
    g.network.ca_file = "";
    CHECK_CODE(sa_consumer_debug_new_with("http://127.0.0.1:9/sa", &g, &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK(consumer == NULL);
}

void run_http_tests(const char *receiver_path, const char *work_dir) {
    run_test("http_arguments", test_http_arguments);
    run_test("http_bad_network_options", test_bad_network_options);
    if (!receiver_path || access(receiver_path, X_OK) != 0) {
        skip_test("http_consumers", "no sa-receiver binary given");
        return;
    }
    receiver_exe = receiver_path;
    work = work_dir;
    run_test("http_default", test_default);
    run_test("http_batch", test_batch);
    run_test("http_async_batch", test_async_batch);
    run_test("http_async_queue_full", test_async_queue_full);
    run_test("http_async_give_up", test_async_give_up);
    run_test("http_network_errors", test_network_errors);
    run_test("http_debug", test_debug);
    run_test("http_spool_async", test_spool_async);
    run_test("http_spool_batch", test_spool_batch);
    run_test("http_spool_unusable_dir", test_spool_unusable_dir);
    run_test("http_network_options", test_network_options);
}
