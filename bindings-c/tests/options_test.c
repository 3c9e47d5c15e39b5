/*
 * The shared consumer-option vectors (tests/vectors/options/consumer_options.json): the same
 * out-of-range option gives core's result in C. The C API's fields are unsigned integers, so
 * most of these values (negative, fractional, NaN) cannot be written in them; each case runs
 * through core's normaliser by the test-only sa_test_normalised_consumer_option, and compares
 * the settings (or SA_ERR_ILLEGAL_DATA and its message) with the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"
#include "sensorsanalytics.h"
#include "suites.h"

#ifdef __cplusplus
extern "C" {
#endif
int sa_test_normalised_consumer_option(const char *consumer, const char *option, int has_value, double value,
                                       char **json_out);
void sa_test_free_string(char *s);
#ifdef __cplusplus
}
#endif

static const json *current;

/* A vector value: a number, NaN/Infinity/-Infinity as strings, or null (absent). */
static double value_of(const json *v, int *has) {
    *has = v->type != JSON_NULL;
    if (v->type == JSON_STRING) return strtod(v->string, NULL);
    return v->type == JSON_NUMBER ? v->number : 0;
}

static void run_current(void) {
    const json *expect = json_get(current, "expect");
    const json *settings = json_get(expect, "settings");
    int has;
    double v = value_of(json_get(current, "value"), &has);
    char *out = NULL;
    int rc = sa_test_normalised_consumer_option(json_get(current, "consumer")->string,
                                                json_get(current, "option")->string, has, v, &out);
    if (settings) {
        char why[256];
        json *got;
        CHECK_OK(rc);
        got = out ? json_parse(out, strlen(out), why, sizeof why) : NULL;
        CHECK(got != NULL);
        if (got && !json_equal(got, settings, 0, NULL)) {
            check_failed(__FILE__, __LINE__, "settings %s differ from the vector's", out);
        }
        json_free(got);
    } else {
        CHECK_STR(json_get(expect, "error")->string, "IllegalData");
        CHECK_CODE(rc, SA_ERR_ILLEGAL_DATA);
        CHECK_STR(sa_last_error_message(), json_get(expect, "message")->string);
    }
    sa_test_free_string(out);
}

int run_option_vectors(const char *vectors_dir) {
    char path[4096], why[256];
    json *doc;
    const json *list;
    size_t i;
    snprintf(path, sizeof path, "%s/options/consumer_options.json", vectors_dir);
    doc = json_parse_file(path, why, sizeof why);
    list = json_get(doc, "cases");
    if (!list || list->type != JSON_ARRAY) {
        printf("FAIL %s: not a vector file (%s)\n", path, doc ? "no cases" : why);
        json_free(doc);
        return -1;
    }
    for (i = 0; i < list->count; i++) {
        current = &list->items[i];
        run_test(json_get(current, "name")->string, run_current);
    }
    i = list->count;
    json_free(doc);
    return (int)i;
}
