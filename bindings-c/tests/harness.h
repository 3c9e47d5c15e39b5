/*
 * The tests' harness: named tests made of checks, a tally, and the closing line the CI reads,
 * `N passed, N failed`. A test passes when none of its checks failed.
 */
#ifndef SA_TEST_HARNESS_H
#define SA_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "sensorsanalytics.h"

typedef void (*test_fn)(void);

/* Runs one test and counts it. */
void run_test(const char *name, test_fn fn);
/* Counts a test that was not run, with the reason; listed in the output. */
void skip_test(const char *name, const char *why);
/* Records a failed check of the running test (prints where and why). */
void check_failed(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prints the tally, ending with `N passed, N failed`; returns the process exit status. */
int test_summary(void);

/* Seconds on a monotonic clock, for deadlines. */
double now_s(void);
/* Sleeps `ms` milliseconds. */
void sleep_ms(long ms);
/* The consumer's counters (a failed sa_consumer_get_stats fails the running test). */
sa_consumer_stats stats_of(const sa_consumer *consumer);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) check_failed(__FILE__, __LINE__, "%s", #cond);                  \
    } while (0)

/* A call that must return `code`; on a mismatch, prints the last error message too. */
#define CHECK_CODE(call, code)                                                       \
    do {                                                                             \
        int rc_ = (call);                                                            \
        if (rc_ != (code))                                                           \
            check_failed(__FILE__, __LINE__, "%s returned %s (%d), expected %s: %s", \
                         #call, sa_error_name(rc_), rc_, sa_error_name(code),        \
                         sa_last_error_message());                                   \
    } while (0)

#define CHECK_OK(call) CHECK_CODE(call, SA_OK)

#define CHECK_STR(actual, expected)                                                  \
    do {                                                                             \
        const char *a_ = (actual), *e_ = (expected);                                 \
        if (!a_ || strcmp(a_, e_) != 0)                                              \
            check_failed(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"",        \
                         #actual, a_ ? a_ : "(null)", e_);                           \
    } while (0)

#endif
