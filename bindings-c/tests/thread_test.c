/*
 * One client used from many threads at once, as the header allows: tracking into a capture
 * and into a concurrent-logging file while other threads change the super properties, and
 * each thread reading its own last error.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "harness.h"
#include "json.h"
#include "suites.h"

enum { THREADS = 8, EACH = 400 };

static const char *work_dir_for_threads;

typedef struct {
    sa_client *sa;
    const sa_properties *shared; /* read by every thread at once */
    int index;
    int failures;
} worker;

static void *track_loop(void *arg) {
    worker *w = (worker *)arg;
    char id[32];
    int i;
    snprintf(id, sizeof id, "user-%d", w->index);
    for (i = 0; i < EACH; i++) {
        if (sa_track(w->sa, id, "Threaded", w->shared, false) != SA_OK) w->failures++;
        /* Each thread's failure stays its own. */
        if (i % 50 == 0) {
            char expected[64];
            snprintf(expected, sizeof expected, "property [distinct_id] must not be empty");
            if (sa_track(w->sa, "", "Threaded", NULL, false) != SA_ERR_ILLEGAL_DATA ||
                strcmp(sa_last_error_message(), expected) != 0)
                w->failures++;
        }
    }
    return NULL;
}

static void *super_loop(void *arg) {
    worker *w = (worker *)arg;
    sa_properties *p = NULL;
    int i;
    if (sa_properties_new(&p) != SA_OK) return NULL;
    for (i = 0; i < EACH; i++) {
        sa_properties_set_int(p, "round", i);
        if (sa_register_super_properties(w->sa, p) != SA_OK) w->failures++;
        if (i % 10 == 0 && sa_clear_super_properties(w->sa) != SA_OK) w->failures++;
    }
    sa_properties_free(p);
    return NULL;
}

static void run_workers(sa_client *sa, int with_super) {
    pthread_t threads[THREADS + 1];
    worker workers[THREADS + 1];
    sa_properties *shared = NULL;
    int i;
    CHECK_OK(sa_properties_new(&shared));
    CHECK_OK(sa_properties_set_string(shared, "product", "p-1"));
    for (i = 0; i <= THREADS; i++) {
        workers[i].sa = sa;
        workers[i].shared = shared;
        workers[i].index = i;
        workers[i].failures = 0;
    }
    for (i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, track_loop, &workers[i]) == 0);
    if (with_super) CHECK(pthread_create(&threads[THREADS], NULL, super_loop, &workers[THREADS]) == 0);
    for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    if (with_super) pthread_join(threads[THREADS], NULL);
    for (i = 0; i <= THREADS; i++) CHECK(workers[i].failures == 0);
    sa_properties_free(shared);
}

static void test_threads_capture(void) {
    fixture f;
    size_t i;
    int per_user[THREADS];
    memset(per_user, 0, sizeof per_user);
    fixture_open(&f, NULL, false);
    run_workers(f.sa, 1);
    CHECK(f.cap.count == (size_t)THREADS * EACH);
    for (i = 0; i < f.cap.count; i++) {
        json *record = fixture_record(&f, (int)i);
        const json *props = json_get(record, "properties");
        const json *id = json_get(record, "distinct_id");
        const json *product = json_get(props, "product");
        int user = -1;
        if (id && id->type == JSON_STRING) sscanf(id->string, "user-%d", &user);
        if (user >= 0 && user < THREADS) per_user[user]++;
        if (!product || product->type != JSON_STRING || strcmp(product->string, "p-1") != 0)
            check_failed(__FILE__, __LINE__, "record %zu lacks product: %s", i, f.cap.records[i]);
        json_free(record);
    }
    for (i = 0; i < THREADS; i++) CHECK(per_user[i] == EACH);
    fixture_close(&f);
}

static void test_threads_file(void) {
    char prefix[1024], file[1100], date[16], command[1300];
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(prefix, sizeof prefix, "%s/threads", work_dir_for_threads);
    snprintf(file, sizeof file, "%s.%s", prefix, date);
    CHECK_OK(sa_consumer_concurrent_logging_new(prefix, 64, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    sa_consumer_free(consumer);
    run_workers(sa, 0);
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    snprintf(command, sizeof command, "test \"$(grep -c '^{\"type\":\"track\".*\"event\":\"Threaded\".*}$' %s)\" = %d",
             file, THREADS * EACH);
    CHECK(system(command) == 0);
}

void run_thread_tests(const char *work_dir) {
    work_dir_for_threads = work_dir;
    run_test("threads_capture", test_threads_capture);
    run_test("threads_concurrent_logging_file", test_threads_file);
}
