/*
 * How long sa_track() takes from C: a 6-property event (the ARCHITECTURE.md budget case), built
 * once and tracked N times, into a consumer that discards records (the SDK's own cost:
 * argument checks, validation, the JSON line) and into a ConcurrentLoggingConsumer file.
 *
 *   make -C bindings-c bench          (release build; prints ns per event)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sensorsanalytics.h"

static int discard(void *user_data, const char *record, size_t length) {
    (void)user_data;
    (void)record;
    (void)length;
    return SA_OK;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void run(const char *label, sa_consumer *consumer, long n) {
    sa_client *sa = NULL;
    sa_properties *p = NULL;
    double start, elapsed;
    long i;
    const char *tags[] = {"a", "b"};
    if (sa_new(consumer, NULL, false, &sa) != SA_OK || sa_properties_new(&p) != SA_OK) exit(1);
    sa_consumer_free(consumer);
    sa_properties_set_string(p, "product_id", "sku-1024");
    sa_properties_set_string(p, "product_name", "Tea set");
    sa_properties_set_double(p, "price", 129.9);
    sa_properties_set_int(p, "quantity", 2);
    sa_properties_set_bool(p, "is_first", true);
    sa_properties_set_string_list(p, "tags", tags, 2);
    start = now_s();
    for (i = 0; i < n; i++) {
        if (sa_track(sa, "user-42", "ViewProduct", p, false) != SA_OK) {
            fprintf(stderr, "%s\n", sa_last_error_message());
            exit(1);
        }
    }
    if (sa_flush(sa) != SA_OK) exit(1);
    elapsed = now_s() - start;
    printf("%-28s %8.0f ns/event  %6.2f M events/s  (%ld events)\n", label, elapsed * 1e9 / (double)n,
           (double)n / elapsed / 1e6, n);
    sa_properties_free(p);
    sa_free(sa);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *prefix = argc > 2 ? argv[2] : "/tmp/sa-c-bench";
    sa_consumer_callbacks cb = {NULL, discard, NULL, NULL, NULL};
    sa_consumer *consumer = NULL;
    if (sa_consumer_custom_new(&cb, &consumer) != SA_OK) return 1;
    run("track, discarding consumer", consumer, n);
    if (sa_consumer_concurrent_logging_new(prefix, 8192, &consumer) != SA_OK) return 1;
    run("track, concurrent logging", consumer, n);
    return 0;
}
