/*
 * Every public function: what it does, how it refuses NULL and non-UTF-8 arguments, and
 * every error code. Records are read back through the capturing consumer (capture.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "harness.h"
#include "json.h"
#include "suites.h"

/* Declared by the library only when built with the test-hooks feature (see Makefile). */
#ifdef __cplusplus
extern "C" int sa_test_panic(void);
#else
int sa_test_panic(void);
#endif

static const char BAD_UTF8[] = {(char)0xC3, (char)0x28, 0};

static int json_is_string(const json *v, const char *s) {
    return v && v->type == JSON_STRING && strcmp(v->string, s) == 0;
}

static int json_is_int(const json *v, long long n) {
    return v && v->type == JSON_NUMBER && v->is_integer && v->integer == n;
}

/* The properties of the last record, printed compactly, compared with `expected`. */
static void check_last_properties(fixture *f, const char *expected) {
    json *record = fixture_record(f, -1), *want;
    char why[64];
    want = json_parse(expected, strlen(expected), why, sizeof why);
    if (record && want) {
        json *props = (json *)json_get(record, "properties");
        static const char *const none[] = {NULL};
        json_remove(props, "$lib");
        json_remove(props, "$lib_version");
        if (!props || !json_equal(props, want, 1, none)) {
            check_failed(__FILE__, __LINE__, "properties differ, expected %s, got:", expected);
            if (props) json_print(stdout, props);
            printf("\n");
        }
    }
    json_free(record);
    json_free(want);
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_error_names(void) {
    CHECK_STR(sa_error_name(SA_OK), "OK");
    CHECK_STR(sa_error_name(SA_ERR_ILLEGAL_DATA), "IllegalData");
    CHECK_STR(sa_error_name(SA_ERR_NETWORK), "Network");
    CHECK_STR(sa_error_name(SA_ERR_FILE_LOCK), "FileLock");
    CHECK_STR(sa_error_name(SA_ERR_DEBUG), "Debug");
    CHECK_STR(sa_error_name(SA_ERR_INVALID_ARGUMENT), "InvalidArgument");
    CHECK_STR(sa_error_name(SA_ERR_PANIC), "Panic");
    CHECK_STR(sa_error_name(-1), "Unknown");
    CHECK_STR(sa_error_name(99), "Unknown");
    CHECK(SA_OK == 0);
}

static void test_version(void) {
    fixture f;
    json *record;
    CHECK(sa_version() != NULL && strlen(sa_version()) > 0);
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_track(f.sa, "u1", "E", NULL, false));
    record = fixture_record(&f, -1);
    CHECK(json_is_string(json_get(json_get(record, "lib"), "$lib_version"), sa_version()));
    CHECK(json_is_string(json_get(json_get(record, "properties"), "$lib_version"), sa_version()));
    CHECK(json_is_string(json_get(json_get(record, "properties"), "$lib"), "C"));
    json_free(record);
    fixture_close(&f);
}

static void test_panic_becomes_a_code(void) {
    printf("(a panic message from sa_test_panic follows on stderr: it is expected)\n");
    fflush(stdout);
    CHECK_CODE(sa_test_panic(), SA_ERR_PANIC);
    CHECK(sa_last_error_code() == SA_ERR_PANIC);
    CHECK(strstr(sa_last_error_message(), "sa_test_panic was called") != NULL);
}

static void test_last_error_is_kept_until_the_next_failure(void) {
    fixture f;
    fixture_open(&f, NULL, false);
    CHECK_CODE(sa_track(f.sa, "u1", "1bad", NULL, false), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "event name must be a valid variable name. [name=1bad]");
    CHECK(sa_last_error_code() == SA_ERR_ILLEGAL_DATA);
    CHECK_OK(sa_track(f.sa, "u1", "Good", NULL, false));
    CHECK_STR(sa_last_error_message(), "event name must be a valid variable name. [name=1bad]");
    CHECK_CODE(sa_track(f.sa, NULL, "Good", NULL, false), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "distinct_id must not be NULL");
    CHECK(sa_last_error_code() == SA_ERR_INVALID_ARGUMENT);
    fixture_close(&f);
}

static void *fresh_thread_error(void *arg) {
    int *ok = (int *)arg;
    *ok = sa_last_error_code() == SA_OK && strcmp(sa_last_error_message(), "") == 0;
    return NULL;
}

static void test_last_error_is_per_thread(void) {
    pthread_t t;
    int ok = 0;
    CHECK_CODE(sa_properties_new(NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK(pthread_create(&t, NULL, fresh_thread_error, &ok) == 0);
    pthread_join(t, NULL);
    CHECK(ok);
    CHECK_STR(sa_last_error_message(), "out must not be NULL");
}

/* A consumer's callback code becomes the call's code: the four kinds, and others as Network. */
static void test_callback_codes(void) {
    static const int codes[][2] = {{SA_ERR_ILLEGAL_DATA, SA_ERR_ILLEGAL_DATA},
                                   {SA_ERR_NETWORK, SA_ERR_NETWORK},
                                   {SA_ERR_FILE_LOCK, SA_ERR_FILE_LOCK},
                                   {SA_ERR_DEBUG, SA_ERR_DEBUG},
                                   {SA_ERR_INVALID_ARGUMENT, SA_ERR_NETWORK},
                                   {42, SA_ERR_NETWORK}};
    size_t i;
    fixture f;
    fixture_open(&f, NULL, false);
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char expected[128];
        f.cap.fail_with = codes[i][0];
        CHECK_CODE(sa_track(f.sa, "u1", "E", NULL, false), codes[i][1]);
        snprintf(expected, sizeof expected, "consumer callback `send` failed with code %d", codes[i][0]);
        CHECK_STR(sa_last_error_message(), expected);
    }
    f.cap.fail_with = 0;
    CHECK(f.cap.count == 0);
    fixture_close(&f);
}

/* ---- properties ---------------------------------------------------------------------- */

static void test_properties_setters(void) {
    fixture f;
    sa_properties *p = NULL;
    const char *items[] = {"x", "y"};
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_string(p, "s", "text"));
    CHECK_OK(sa_properties_set_int(p, "i", INT64_MIN));
    CHECK_OK(sa_properties_set_int(p, "j", 9007199254740991LL));
    CHECK_OK(sa_properties_set_double(p, "d", 12.5));
    CHECK_OK(sa_properties_set_bool(p, "b", true));
    CHECK_OK(sa_properties_set_bool(p, "f", false));
    CHECK_OK(sa_properties_set_null(p, "n"));
    CHECK_OK(sa_properties_set_datetime(p, "dt", 0, 480));
    CHECK_OK(sa_properties_set_datetime(p, "dt2", 1709222398007LL, -300));
    CHECK_OK(sa_properties_set_date(p, "day", 2024, 2, 29));
    CHECK_OK(sa_properties_set_string_list(p, "l", items, 2));
    CHECK_OK(sa_properties_set_string_list(p, "empty", NULL, 0));
    CHECK_OK(sa_properties_append_string(p, "l", "z"));
    CHECK_OK(sa_properties_append_string(p, "new", "a"));
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    check_last_properties(&f,
                          "{\"s\":\"text\",\"i\":-9223372036854775808,\"j\":9007199254740991,\"d\":12.5,\"b\":true,"
                          "\"f\":false,\"n\":null,\"dt\":\"1970-01-01 08:00:00.000\",\"dt2\":\"2024-02-29 10:59:58.007\","
                          "\"day\":\"2024-02-29\",\"l\":[\"x\",\"y\",\"z\"],\"empty\":[],\"new\":[\"a\"]}");
    /* The exact text of a 64-bit integer (a double could not hold it). */
    CHECK(strstr(f.cap.records[0], "\"i\":-9223372036854775808,") != NULL);
    sa_properties_free(p);
    fixture_close(&f);
}

static void test_properties_replace_remove_clear(void) {
    fixture f;
    sa_properties *p = NULL;
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_int(p, "a", 1));
    CHECK_OK(sa_properties_set_int(p, "b", 2));
    CHECK_OK(sa_properties_set_string(p, "a", "again")); /* keeps its place */
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    check_last_properties(&f, "{\"a\":\"again\",\"b\":2}");
    CHECK_OK(sa_properties_remove(p, "a"));
    CHECK_OK(sa_properties_remove(p, "absent"));
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    check_last_properties(&f, "{\"b\":2}");
    CHECK_OK(sa_properties_clear(p));
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    check_last_properties(&f, "{}");
    sa_properties_free(p);
    sa_properties_free(NULL);
    fixture_close(&f);
}

static void test_local_datetime(void) {
    fixture f;
    sa_properties *p = NULL;
    struct tm tm;
    time_t t = 1700000000;
    char text[64], expected[96];
    localtime_r(&t, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(expected, sizeof expected, "{\"t\":\"%s.042\"}", text);
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_local_datetime(p, "t", 1700000000042LL));
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    check_last_properties(&f, expected);
    sa_properties_free(p);
    fixture_close(&f);
}

/* A datetime as `$time` gives the record's time: the instant, whatever the offset. */
static void test_datetime_as_time(void) {
    fixture f;
    sa_properties *p = NULL;
    json *record;
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_datetime(p, "$time", 1709222398007LL, 480));
    CHECK_OK(sa_track(f.sa, "u1", "E", p, false));
    record = fixture_record(&f, -1);
    CHECK(json_is_int(json_get(record, "time"), 1709222398007LL));
    json_free(record);
    sa_properties_free(p);
    fixture_close(&f);
}

static void test_properties_bad_arguments(void) {
    sa_properties *p = NULL;
    const char *with_null[] = {"a", NULL};
    CHECK_CODE(sa_properties_new(NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_properties_new(&p));
    CHECK_CODE(sa_properties_set_string(NULL, "k", "v"), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "properties must not be NULL");
    CHECK_CODE(sa_properties_set_string(p, NULL, "v"), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "key must not be NULL");
    CHECK_CODE(sa_properties_set_string(p, "k", NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "value must not be NULL");
    CHECK_CODE(sa_properties_set_string(p, BAD_UTF8, "v"), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "key is not valid UTF-8");
    CHECK_CODE(sa_properties_set_string(p, "k", BAD_UTF8), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "value is not valid UTF-8");
    CHECK_CODE(sa_properties_set_int(NULL, "k", 1), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_int(p, NULL, 1), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_double(p, NULL, 1.0), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_bool(p, NULL, true), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_null(p, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_datetime(p, "k", 0, 24 * 60), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "UTC offset out of range: 1440 minutes");
    CHECK_CODE(sa_properties_set_datetime(p, "k", 0, -24 * 60), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_properties_set_datetime(p, "k", 0, 24 * 60 - 1));
    CHECK_CODE(sa_properties_set_datetime(p, "k", INT64_MAX, 0), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_local_datetime(p, "k", INT64_MIN), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_local_datetime(p, NULL, 0), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_date(p, "k", 2023, 2, 29), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "no such date: 2023-2-29");
    CHECK_CODE(sa_properties_set_date(p, "k", 2023, 13, 1), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_date(p, "k", 2023, -1, 1), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_date(p, "k", 2023, 1, 0), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_set_string_list(p, "k", NULL, 1), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "items is NULL but its count is 1");
    CHECK_CODE(sa_properties_set_string_list(p, "k", with_null, 2), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "list item must not be NULL");
    CHECK_OK(sa_properties_set_int(p, "n", 1));
    CHECK_CODE(sa_properties_append_string(p, "n", "x"), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "property [n] is not a list");
    CHECK_CODE(sa_properties_append_string(p, "l", NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_append_string(NULL, "l", "x"), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_remove(p, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_remove(NULL, "k"), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_properties_clear(NULL), SA_ERR_INVALID_ARGUMENT);
    sa_properties_free(p);
}

/* Values C can hold that the SDK refuses, refused by the call that uses them. */
static void test_property_rules_apply_at_the_call(void) {
    fixture f;
    sa_properties *p = NULL;
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_double(p, "x", NAN));
    CHECK_CODE(sa_track(f.sa, "u1", "E", p, false), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "property value must not be NaN or Infinity. [key=x]");
    CHECK_OK(sa_properties_clear(p));
    CHECK_OK(sa_properties_set_int(p, "1bad", 1));
    CHECK_CODE(sa_track(f.sa, "u1", "E", p, false), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "property key must be a valid variable name. [key=1bad]");
    CHECK_OK(sa_properties_clear(p));
    CHECK_OK(sa_properties_set_string(p, "n", "x"));
    CHECK_CODE(sa_profile_increment(f.sa, "u1", p, false), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "property value must be Number. [key=n]");
    CHECK_CODE(sa_profile_append(f.sa, "u1", p, false), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "property value must be list. [key=n]");
    CHECK(f.cap.count == 0);
    sa_properties_free(p);
    fixture_close(&f);
}

/* ---- identities ---------------------------------------------------------------------- */

static void test_identity_arguments(void) {
    sa_identity *id = NULL;
    CHECK(strcmp(SA_IDENTITY_LOGIN_ID, "$identity_login_id") == 0);
    CHECK(strcmp(SA_IDENTITY_MOBILE, "$identity_mobile") == 0);
    CHECK(strcmp(SA_IDENTITY_EMAIL, "$identity_email") == 0);
    CHECK_CODE(sa_identity_new(NULL, "v", &id), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "identity key must not be NULL");
    CHECK(id == NULL);
    CHECK_CODE(sa_identity_new("k", NULL, &id), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "identity value must not be NULL");
    CHECK_CODE(sa_identity_new(BAD_UTF8, "v", &id), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_identity_new("k", BAD_UTF8, &id), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_identity_new("k", "v", NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_identity_new(SA_IDENTITY_EMAIL, "a@b.c", &id));
    CHECK(id != NULL);
    sa_identity_free(id);
    sa_identity_free(NULL);
}

/* ---- the client ---------------------------------------------------------------------- */

static void test_new_arguments(void) {
    capture cap;
    sa_consumer *consumer = NULL;
    sa_client *sa = (sa_client *)&cap; /* must be reset to NULL on failure */
    capture_init(&cap);
    CHECK_CODE(sa_new(NULL, NULL, false, &sa), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "consumer must not be NULL");
    CHECK(sa == NULL);
    CHECK_OK(capture_consumer(&cap, &consumer));
    CHECK_CODE(sa_new(consumer, NULL, false, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_new(consumer, BAD_UTF8, false, &sa), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "project_name is not valid UTF-8");
    CHECK_OK(sa_new(consumer, "proj", true, &sa));
    CHECK(sa != NULL);
    sa_consumer_free(consumer);
    CHECK(cap.releases == 0); /* the client holds the consumer */
    CHECK_OK(sa_track(sa, "u1", "E", NULL, false));
    CHECK(cap.count == 1 && strstr(cap.records[0], "\"project\":\"proj\"") &&
          strstr(cap.records[0], "\"time_free\":true"));
    CHECK_OK(sa_free(sa));
    CHECK(cap.releases == 1 && cap.closes == 1);
    CHECK_OK(sa_free(NULL));
    capture_destroy(&cap);
}

/* $lib_detail is the caller's function, file and line; NULL file and function: none. */
static void test_call_site(void) {
    fixture f;
    json *record;
    char expected[512];
    int line;
    fixture_open(&f, NULL, false);
    line = __LINE__ + 1;
    CHECK_OK(sa_track(f.sa, "u1", "E", NULL, false));
    snprintf(expected, sizeof expected, "##%s##%s##%d", __func__, __FILE__, line);
    record = fixture_record(&f, -1);
    CHECK(json_is_string(json_get(json_get(record, "lib"), "$lib_detail"), expected));
    json_free(record);
    CHECK_OK(sa_track_at(NULL, NULL, 0, f.sa, "u1", "E", NULL, false));
    record = fixture_record(&f, -1);
    CHECK(json_get(record, "lib") && json_get(json_get(record, "lib"), "$lib_detail") == NULL);
    json_free(record);
    CHECK_OK(sa_track_at("f.c", NULL, -5, f.sa, "u1", "E", NULL, false));
    record = fixture_record(&f, -1);
    CHECK(json_is_string(json_get(json_get(record, "lib"), "$lib_detail"), "####f.c##0"));
    json_free(record);
    CHECK_OK(sa_track_at(BAD_UTF8, "fn", 7, f.sa, "u1", "E", NULL, false));
    record = fixture_record(&f, -1);
    CHECK(json_is_string(json_get(json_get(record, "lib"), "$lib_detail"), "##fn##\xEF\xBF\xBD(##7"));
    json_free(record);
    fixture_close(&f);
}

/* Each method writes its record type; the details are the shared vectors' business. */
static void test_every_method(void) {
    fixture f;
    sa_properties *p = NULL, *n = NULL, *l = NULL;
    sa_identity *login = NULL, *mobile = NULL;
    const char *keys[] = {"a", "b"};
    const sa_identity *both[2];
    static const char *const types[] = {
        "track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
        "profile_unset", "profile_delete", "item_set", "item_delete", "track_id_bind", "track_id_unbind",
        "track", "profile_set", "profile_set_once", "profile_increment", "profile_append", "profile_unset",
        "profile_delete"};
    size_t i;
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_string(p, "a", "x"));
    CHECK_OK(sa_properties_new(&n));
    CHECK_OK(sa_properties_set_int(n, "a", 2));
    CHECK_OK(sa_properties_new(&l));
    CHECK_OK(sa_properties_append_string(l, "a", "x"));
    CHECK_OK(sa_identity_new(SA_IDENTITY_LOGIN_ID, "u1", &login));
    CHECK_OK(sa_identity_new(SA_IDENTITY_MOBILE, "555", &mobile));
    both[0] = login;
    both[1] = mobile;

    CHECK_OK(sa_track(f.sa, "u1", "E", p, true));
    CHECK_OK(sa_track_signup(f.sa, "u1", "anon", p));
    CHECK_OK(sa_profile_set(f.sa, "u1", p, false));
    CHECK_OK(sa_profile_set_once(f.sa, "u1", p, false));
    CHECK_OK(sa_profile_increment(f.sa, "u1", n, false));
    CHECK_OK(sa_profile_append(f.sa, "u1", l, false));
    CHECK_OK(sa_profile_unset(f.sa, "u1", keys, 2, false));
    CHECK_OK(sa_profile_delete(f.sa, "u1", false));
    CHECK_OK(sa_item_set(f.sa, "book", "b1", p));
    CHECK_OK(sa_item_delete(f.sa, "book", "b1", NULL));
    CHECK_OK(sa_bind(f.sa, both, 2));
    CHECK_OK(sa_unbind(f.sa, mobile));
    CHECK_OK(sa_track_by_id(f.sa, "E", p, both, 2));
    CHECK_OK(sa_profile_set_by_id(f.sa, p, both, 2));
    CHECK_OK(sa_profile_set_once_by_id(f.sa, p, both, 1));
    CHECK_OK(sa_profile_increment_by_id(f.sa, n, both, 1));
    CHECK_OK(sa_profile_append_by_id(f.sa, l, both, 1));
    CHECK_OK(sa_profile_unset_by_id(f.sa, keys, 1, both, 1));
    CHECK_OK(sa_profile_delete_by_id(f.sa, both, 2));

    CHECK(f.cap.count == sizeof types / sizeof types[0]);
    for (i = 0; i < f.cap.count && i < sizeof types / sizeof types[0]; i++) {
        json *record = fixture_record(&f, (int)i);
        if (!json_is_string(json_get(record, "type"), types[i]))
            check_failed(__FILE__, __LINE__, "record %zu: %s, expected type %s", i, f.cap.records[i], types[i]);
        json_free(record);
    }
    {
        json *unset = fixture_record(&f, 6);
        check_last_properties(&f, "{\"$is_login_id\":true}"); /* profile_delete_by_id, login id */
        CHECK(json_get(json_get(unset, "properties"), "a") && json_get(json_get(unset, "properties"), "b"));
        json_free(unset);
    }
    sa_properties_free(p);
    sa_properties_free(n);
    sa_properties_free(l);
    sa_identity_free(login);
    sa_identity_free(mobile);
    fixture_close(&f);
}

static void test_super_properties(void) {
    fixture f;
    sa_properties *p = NULL;
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_properties_new(&p));
    CHECK_OK(sa_properties_set_string(p, "$app_version", "1.2"));
    CHECK_OK(sa_properties_set_int(p, "s", 1));
    CHECK_OK(sa_register_super_properties(f.sa, p));
    sa_properties_free(p); /* copied */
    CHECK_OK(sa_track(f.sa, "u1", "E", NULL, false));
    check_last_properties(&f, "{\"$app_version\":\"1.2\",\"s\":1}");
    CHECK(strstr(f.cap.records[0], "\"$app_version\":\"1.2\",\"$lib_detail\"") != NULL);
    CHECK_OK(sa_clear_super_properties(f.sa));
    CHECK_OK(sa_track(f.sa, "u1", "E", NULL, false));
    check_last_properties(&f, "{}");
    CHECK_CODE(sa_register_super_properties(f.sa, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_register_super_properties(NULL, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_clear_super_properties(NULL), SA_ERR_INVALID_ARGUMENT);
    fixture_close(&f);
}

/* Every method refuses a NULL client and NULL required strings and arrays, writing nothing. */
static void test_method_arguments(void) {
    fixture f;
    sa_identity *id = NULL;
    const sa_identity *with_null[2];
    const char *null_key[] = {NULL};
    const char *bad_key[] = {BAD_UTF8};
    fixture_open(&f, NULL, false);
    CHECK_OK(sa_identity_new(SA_IDENTITY_LOGIN_ID, "u1", &id));
    with_null[0] = id;
    with_null[1] = NULL;
#define INVALID(call, message)                                  \
    do {                                                        \
        CHECK_CODE(call, SA_ERR_INVALID_ARGUMENT);              \
        CHECK_STR(sa_last_error_message(), message);            \
    } while (0)
    INVALID(sa_track(NULL, "u1", "E", NULL, false), "client must not be NULL");
    INVALID(sa_track(f.sa, NULL, "E", NULL, false), "distinct_id must not be NULL");
    INVALID(sa_track(f.sa, "u1", NULL, NULL, false), "event_name must not be NULL");
    INVALID(sa_track(f.sa, BAD_UTF8, "E", NULL, false), "distinct_id is not valid UTF-8");
    INVALID(sa_track(f.sa, "u1", BAD_UTF8, NULL, false), "event_name is not valid UTF-8");
    INVALID(sa_track_signup(NULL, "u1", "a", NULL), "client must not be NULL");
    INVALID(sa_track_signup(f.sa, NULL, "a", NULL), "distinct_id must not be NULL");
    INVALID(sa_track_signup(f.sa, "u1", NULL, NULL), "original_id must not be NULL");
    INVALID(sa_profile_set(NULL, "u1", NULL, false), "client must not be NULL");
    INVALID(sa_profile_set(f.sa, NULL, NULL, false), "distinct_id must not be NULL");
    INVALID(sa_profile_set_once(f.sa, NULL, NULL, false), "distinct_id must not be NULL");
    INVALID(sa_profile_increment(f.sa, NULL, NULL, false), "distinct_id must not be NULL");
    INVALID(sa_profile_append(f.sa, NULL, NULL, false), "distinct_id must not be NULL");
    INVALID(sa_profile_unset(f.sa, NULL, NULL, 0, false), "distinct_id must not be NULL");
    INVALID(sa_profile_unset(f.sa, "u1", NULL, 1, false), "keys is NULL but its count is 1");
    INVALID(sa_profile_unset(f.sa, "u1", null_key, 1, false), "key must not be NULL");
    INVALID(sa_profile_unset(f.sa, "u1", bad_key, 1, false), "key is not valid UTF-8");
    INVALID(sa_profile_delete(f.sa, NULL, false), "distinct_id must not be NULL");
    INVALID(sa_profile_delete(NULL, "u1", false), "client must not be NULL");
    INVALID(sa_item_set(f.sa, NULL, "i", NULL), "item_type must not be NULL");
    INVALID(sa_item_set(f.sa, "t", NULL, NULL), "item_id must not be NULL");
    INVALID(sa_item_delete(f.sa, NULL, "i", NULL), "item_type must not be NULL");
    INVALID(sa_item_delete(f.sa, "t", NULL, NULL), "item_id must not be NULL");
    INVALID(sa_item_delete(NULL, "t", "i", NULL), "client must not be NULL");
    INVALID(sa_bind(f.sa, NULL, 2), "identities is NULL but its count is 2");
    INVALID(sa_bind(f.sa, with_null, 2), "identity must not be NULL");
    INVALID(sa_bind(NULL, with_null, 2), "client must not be NULL");
    INVALID(sa_unbind(f.sa, NULL), "identity must not be NULL");
    INVALID(sa_track_by_id(f.sa, NULL, NULL, with_null, 1), "event_name must not be NULL");
    INVALID(sa_track_by_id(f.sa, "E", NULL, with_null, 2), "identity must not be NULL");
    INVALID(sa_profile_set_by_id(f.sa, NULL, NULL, 3), "identities is NULL but its count is 3");
    INVALID(sa_profile_set_once_by_id(f.sa, NULL, with_null, 2), "identity must not be NULL");
    INVALID(sa_profile_increment_by_id(f.sa, NULL, with_null, 2), "identity must not be NULL");
    INVALID(sa_profile_append_by_id(f.sa, NULL, with_null, 2), "identity must not be NULL");
    INVALID(sa_profile_unset_by_id(f.sa, NULL, 2, with_null, 1), "keys is NULL but its count is 2");
    INVALID(sa_profile_delete_by_id(f.sa, with_null, 2), "identity must not be NULL");
    INVALID(sa_profile_delete_by_id(NULL, with_null, 1), "client must not be NULL");
    INVALID(sa_flush(NULL), "client must not be NULL");
    INVALID(sa_close(NULL), "client must not be NULL");
#undef INVALID
    /* Empty arrays are not NULL mistakes: the SDK's own rules answer. */
    CHECK_CODE(sa_bind(f.sa, NULL, 0), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "bind needs at least two identities");
    CHECK_CODE(sa_bind(f.sa, with_null, 1), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "bind needs at least two identities");
    CHECK_CODE(sa_profile_unset_by_id(f.sa, NULL, 0, with_null, 1), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "Properties can not be None or Empty");
    CHECK_CODE(sa_profile_delete_by_id(f.sa, NULL, 0), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "Identity (or list) can not be none or empty");
    CHECK(f.cap.count == 0);
    sa_identity_free(id);
    fixture_close(&f);
}

/* flush, close and free reach the consumer once each, in the documented way. */
static void test_flush_close_free(void) {
    capture cap;
    sa_consumer *consumer = NULL;
    sa_client *a = NULL, *b = NULL;
    capture_init(&cap);
    CHECK_OK(capture_consumer(&cap, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &a));
    CHECK_OK(sa_new(consumer, NULL, false, &b)); /* two clients share one consumer */
    CHECK_OK(sa_flush(a));
    CHECK(cap.flushes == 1);
    CHECK_OK(sa_close(a));
    CHECK(cap.closes == 1);
    CHECK_OK(sa_free(a)); /* closed already: not closed again */
    CHECK(cap.closes == 1 && cap.releases == 0);
    CHECK_OK(sa_free(b)); /* not closed: sa_free closes */
    CHECK(cap.closes == 2 && cap.releases == 0);
    sa_consumer_free(consumer); /* the last reference */
    CHECK(cap.releases == 1);
    sa_consumer_free(NULL);
    capture_destroy(&cap);
}

static void test_custom_consumer_arguments(void) {
    sa_consumer *consumer = (sa_consumer *)&consumer; /* must be reset to NULL on failure */
    sa_consumer_callbacks cb;
    memset(&cb, 0, sizeof cb);
    CHECK_CODE(sa_consumer_custom_new(&cb, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "callbacks->send must not be NULL");
    CHECK(consumer == NULL);
    CHECK_CODE(sa_consumer_custom_new(NULL, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "callbacks must not be NULL");
    cb.send = NULL;
    CHECK_CODE(sa_consumer_custom_new(&cb, NULL), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "out must not be NULL");
}

static int failing_close(void *user_data) {
    (void)user_data;
    return SA_ERR_FILE_LOCK;
}
static int ignore_send(void *user_data, const char *record, size_t length) {
    (void)user_data;
    (void)record;
    (void)length;
    return SA_OK;
}

static void test_free_reports_close_error(void) {
    sa_consumer_callbacks cb;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    memset(&cb, 0, sizeof cb);
    cb.send = ignore_send;
    cb.close = failing_close;
    CHECK_OK(sa_consumer_custom_new(&cb, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    sa_consumer_free(consumer);
    CHECK_OK(sa_flush(sa)); /* no flush callback: nothing to do */
    CHECK_CODE(sa_free(sa), SA_ERR_FILE_LOCK);
    CHECK_STR(sa_last_error_message(), "consumer callback `close` failed with code 3");
}

/* A consumer may call the client from its send (here: one nested event per record). */
static sa_client *reentrant_client;
static int reentrant_sends;
static int reentrant_send(void *user_data, const char *record, size_t length) {
    (void)user_data;
    (void)length;
    if (strstr(record, "\"event\":\"Outer\"")) CHECK_OK(sa_track(reentrant_client, "u1", "Inner", NULL, false));
    reentrant_sends++; /* one thread here: no lock needed */
    return SA_OK;
}

static void test_reentrant_consumer(void) {
    sa_consumer_callbacks cb;
    sa_consumer *consumer = NULL;
    reentrant_sends = 0;
    memset(&cb, 0, sizeof cb);
    cb.send = reentrant_send;
    CHECK_OK(sa_consumer_custom_new(&cb, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &reentrant_client));
    sa_consumer_free(consumer);
    CHECK_OK(sa_track(reentrant_client, "u1", "Outer", NULL, false));
    CHECK(reentrant_sends == 2);
    CHECK_OK(sa_free(reentrant_client));
}

void run_api_tests(void) {
    run_test("api_error_names", test_error_names);
    run_test("api_version", test_version);
    run_test("api_panic_becomes_a_code", test_panic_becomes_a_code);
    run_test("api_last_error_kept_until_next_failure", test_last_error_is_kept_until_the_next_failure);
    run_test("api_last_error_per_thread", test_last_error_is_per_thread);
    run_test("api_callback_codes", test_callback_codes);
    run_test("api_properties_setters", test_properties_setters);
    run_test("api_properties_replace_remove_clear", test_properties_replace_remove_clear);
    run_test("api_local_datetime", test_local_datetime);
    run_test("api_datetime_as_time", test_datetime_as_time);
    run_test("api_properties_bad_arguments", test_properties_bad_arguments);
    run_test("api_property_rules_apply_at_the_call", test_property_rules_apply_at_the_call);
    run_test("api_identity_arguments", test_identity_arguments);
    run_test("api_new_arguments", test_new_arguments);
    run_test("api_call_site", test_call_site);
    run_test("api_every_method", test_every_method);
    run_test("api_super_properties", test_super_properties);
    run_test("api_method_arguments", test_method_arguments);
    run_test("api_flush_close_free", test_flush_close_free);
    run_test("api_custom_consumer_arguments", test_custom_consumer_arguments);
    run_test("api_free_reports_close_error", test_free_reports_close_error);
    run_test("api_reentrant_consumer", test_reentrant_consumer);
}
