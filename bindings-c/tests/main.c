/*
 * The C test runner: the shared vectors, then the tests of every function, error code and
 * consumer. Ends with `N passed, N failed`; exits non-zero on any failure.
 *
 *   sa_tests VECTORS_DIR WORK_DIR [SA_RECEIVER]
 *
 * VECTORS_DIR is tests/vectors of the repository; WORK_DIR an empty directory for files;
 * SA_RECEIVER the loopback receiver binary (tests/receiver) for the HTTP consumer tests.
 */
#include <stdlib.h>

#include "harness.h"
#include "suites.h"
#include "vectors.h"

int main(int argc, char **argv) {
    int cases;
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s VECTORS_DIR WORK_DIR [SA_RECEIVER]\n", argv[0]);
        return 2;
    }
    cases = run_vector_files(argv[1]);
    if (cases < 120) {
        printf("FAIL expected at least 120 shared vectors in %s, found %d\n", argv[1], cases);
        return 1;
    }
    if (run_option_vectors(argv[1]) < 40) {
        printf("FAIL expected at least 40 consumer-option vectors in %s/options\n", argv[1]);
        return 1;
    }
    run_api_tests();
    run_consumer_tests(argv[2]);
    run_http_tests(argc == 4 ? argv[3] : NULL, argv[2]);
    run_tls_tests(argc == 4 ? argv[3] : NULL, argv[2]);
    run_spool_tests(argc == 4 ? argv[3] : NULL, argv[2]);
    run_thread_tests(argv[2]);
    run_kafka_tests();
    run_kafka_restart_test(argv[1]);
    return test_summary();
}
