/* The tests' harness (see harness.h). */
#include "harness.h"

#include <stdarg.h>

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
