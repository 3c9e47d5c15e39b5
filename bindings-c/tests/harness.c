/* The tests' harness (see harness.h). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdarg.h>
#include <time.h>

static int passed, failed, skipped;
static int current_failures;
static const char *current_name;

void run_test(const char *name, test_fn fn) {
    current_name = name;
    current_failures = 0;
    fn();
    if (current_failures) {
        failed++;
        printf("FAIL %s\n", name);
    } else {
        passed++;
    }
    fflush(stdout);
}

void skip_test(const char *name, const char *why) {
    skipped++;
    printf("skip %s: %s\n", name, why);
}

void check_failed(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    current_failures++;
    printf("  %s:%d: [%s] ", file, line, current_name ? current_name : "?");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

int test_summary(void) {
    if (skipped) printf("%d skipped (listed above)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void sleep_ms(long ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

sa_consumer_stats stats_of(const sa_consumer *consumer) {
    sa_consumer_stats s;
    memset(&s, 0, sizeof s);
    CHECK_OK(sa_consumer_get_stats(consumer, &s));
    return s;
}
