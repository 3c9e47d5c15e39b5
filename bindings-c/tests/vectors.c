/*
 * Runs the shared test vectors (the *.json files of tests/vectors; format in tests/vectors/README.md)
 * through the C API: each case builds a client on a capturing consumer written in C, makes
 * its calls with the public functions and macros, and compares the records the library
 * produced (parsed by json.c) with the expected ones, or the error code and message.
 *
 * What C cannot express is skipped and listed, as the README asks: a dict or a non-string
 * list element as a value, a list or string where a map is expected, a dict of keys for
 * profile_unset, a non-string identity, a string holding NUL, and None (NULL) where Python
 * takes a required string (C's NULL there is SA_ERR_INVALID_ARGUMENT, tested in api_test.c).
 * A JSON integer given as a distinct_id, original_id or item_id is passed as its decimal
 * text, which is what a C caller does with a numeric id and what the SDK writes.
 */
#define _POSIX_C_SOURCE 200809L
#include "vectors.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "harness.h"
#include "json.h"

#define MAX_IDS 16
#define MAX_KEYS 64

/* ---- what C can express ---------------------------------------------------------------- */

static int is_plain_string(const json *v) {
    return v && v->type == JSON_STRING && strlen(v->string) == v->length;
}

static int is_datetime_text(const char *s) {
    int y, mo, d, h, mi, sec, ms, n = 0;
    return sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%n", &y, &mo, &d, &h, &mi, &sec, &ms, &n) == 7 && n == 23;
}

/* Why a property value cannot be set with the typed setters, or NULL if it can. */
static const char *value_problem(const json *v) {
    size_t i;
    switch (v->type) {
    case JSON_NULL:
    case JSON_BOOL:
    case JSON_NUMBER: return NULL;
    case JSON_STRING: return is_plain_string(v) ? NULL : "a string holding NUL";
    case JSON_ARRAY:
        for (i = 0; i < v->count; i++)
            if (!is_plain_string(&v->items[i])) return "a list element that is not a string";
        return NULL;
    case JSON_OBJECT:
        if (json_is_tag(v, "$datetime") && is_datetime_text(v->items[0].string)) return NULL;
        if (json_is_tag(v, "$date")) return NULL;
        if (json_is_tag(v, "$float")) return NULL;
        return "a dict as a value";
    }
    return "unknown value";
}

static const char *map_problem(const json *v) {
    size_t i;
    if (!v || v->type == JSON_NULL) return NULL;
    if (v->type != JSON_OBJECT) return "a non-map where a map is expected";
    for (i = 0; i < v->count; i++) {
        const char *why = value_problem(&v->items[i]);
        if (why) return why;
    }
    return NULL;
}

/* An id, name or type: a string, or (ids only) an integer passed as its text. */
static const char *text_problem(const json *v, int allow_integer) {
    if (!v || v->type == JSON_NULL) return "None where a string is required (NULL is an invalid argument in C)";
    if (is_plain_string(v)) return NULL;
    if (allow_integer && v->type == JSON_NUMBER && v->is_integer) return NULL;
    return "a non-string where a string is required";
}

static const char *keys_problem(const json *v) {
    size_t i;
    if (!v || v->type == JSON_NULL) return NULL;
    if (v->type != JSON_ARRAY) return "profile_keys that is not a list";
    if (v->count > MAX_KEYS) return "too many keys";
    for (i = 0; i < v->count; i++)
        if (!is_plain_string(&v->items[i])) return "a profile key that is not a string";
    return NULL;
}

static const char *identity_problem(const json *v) {
    if (!v || v->type != JSON_OBJECT || !is_plain_string(json_get(v, "key")) ||
        !is_plain_string(json_get(v, "value")))
        return "an identity key or value that is not a string";
    return NULL;
}

static const char *identities_problem(const json *v) {
    size_t i;
    if (!v || v->type != JSON_ARRAY || v->count > MAX_IDS) return "identities that are not a list";
    for (i = 0; i < v->count; i++) {
        const char *why = identity_problem(&v->items[i]);
        if (why) return why;
    }
    return NULL;
}

static const char *call_problem(const json *call) {
    const json *args = json_get(call, "args");
    const json *m = json_get(call, "method");
    const char *method = m && m->type == JSON_STRING ? m->string : "";
    const char *why = NULL;
#define ARG(name) json_get(args, name)
#define FIRST(expr) \
    if (!why) why = (expr)
    if (strcmp(method, "track") == 0) {
        FIRST(text_problem(ARG("distinct_id"), 1));
        FIRST(text_problem(ARG("event_name"), 0));
        FIRST(map_problem(ARG("properties")));
    } else if (strcmp(method, "track_signup") == 0) {
        FIRST(text_problem(ARG("distinct_id"), 1));
        FIRST(text_problem(ARG("original_id"), 1));
        FIRST(map_problem(ARG("properties")));
    } else if (strcmp(method, "profile_unset") == 0) {
        FIRST(text_problem(ARG("distinct_id"), 1));
        FIRST(keys_problem(ARG("profile_keys")));
    } else if (strcmp(method, "profile_delete") == 0) {
        FIRST(text_problem(ARG("distinct_id"), 1));
    } else if (strncmp(method, "profile_", 8) == 0 && !strstr(method, "_by_id")) {
        FIRST(text_problem(ARG("distinct_id"), 1));
        FIRST(map_problem(ARG("profiles")));
    } else if (strncmp(method, "item_", 5) == 0) {
        FIRST(text_problem(ARG("item_type"), 0));
        FIRST(text_problem(ARG("item_id"), 1));
        FIRST(map_problem(ARG("properties")));
    } else if (strcmp(method, "register_super_properties") == 0) {
        const json *p = ARG("properties");
        FIRST(p && p->type == JSON_OBJECT ? map_problem(p) : "super properties that are not a map");
    } else if (strcmp(method, "clear_super_properties") == 0) {
    } else if (strcmp(method, "unbind") == 0) {
        FIRST(identity_problem(ARG("identity")));
    } else if (strcmp(method, "bind") == 0 || strcmp(method, "profile_delete_by_id") == 0) {
        FIRST(identities_problem(ARG("identities")));
    } else if (strcmp(method, "track_by_id") == 0) {
        FIRST(text_problem(ARG("event_name"), 0));
        FIRST(map_problem(ARG("properties")));
        FIRST(identities_problem(ARG("identities")));
    } else if (strcmp(method, "profile_unset_by_id") == 0) {
        const json *k = ARG("profile_keys");
        /* C has no None apart from an empty list here; the reference refuses None (not a list). */
        FIRST(!k || k->type == JSON_NULL ? "None where a list of keys is required" : keys_problem(k));
        FIRST(identities_problem(ARG("identities")));
    } else if (strstr(method, "_by_id")) {
        FIRST(map_problem(ARG("properties")));
        FIRST(identities_problem(ARG("identities")));
    } else {
        why = "an unknown method";
    }
#undef ARG
#undef FIRST
    return why;
}

static const char *case_problem(const json *c) {
    const json *setup = json_get(c, "setup");
    const json *calls = json_get(c, "calls");
    const json *project = json_get(setup, "project_name");
    size_t i;
    if (project && project->type != JSON_NULL && !is_plain_string(project)) return "a non-string project_name";
    if (json_get(setup, "super_properties") && map_problem(json_get(setup, "super_properties")))
        return map_problem(json_get(setup, "super_properties"));
    if (!calls || calls->type != JSON_ARRAY) return "no calls";
    for (i = 0; i < calls->count; i++) {
        const char *why = call_problem(&calls->items[i]);
        if (why) return why;
    }
    return NULL;
}

/* ---- converting arguments -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d) {
    long long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A $datetime tag: aware values go in with their offset, naive ones as local time. */
static int set_datetime(sa_properties *p, const char *key, const char *text) {
    int y, mo, d, h, mi, s, ms, n = 0, oh = 0, om = 0;
    char sign = 0;
    sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%n", &y, &mo, &d, &h, &mi, &s, &ms, &n);
    if (text[n] == '+' || text[n] == '-') {
        int offset;
        long long epoch_s;
        sign = text[n];
        sscanf(text + n + 1, "%2d:%2d", &oh, &om);
        offset = (sign == '-' ? -1 : 1) * (oh * 60 + om);
        epoch_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset * 60LL;
        return sa_properties_set_datetime(p, key, epoch_s * 1000 + ms, offset);
    } else {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = s;
        tm.tm_isdst = -1;
        return sa_properties_set_local_datetime(p, key, (long long)mktime(&tm) * 1000 + ms);
    }
}

static int set_value(sa_properties *p, const char *key, const json *v) {
    size_t i;
    int rc = SA_OK;
    switch (v->type) {
    case JSON_NULL: return sa_properties_set_null(p, key);
    case JSON_BOOL: return sa_properties_set_bool(p, key, v->boolean != 0);
    case JSON_NUMBER:
        return v->is_integer ? sa_properties_set_int(p, key, v->integer) : sa_properties_set_double(p, key, v->number);
    case JSON_STRING: return sa_properties_set_string(p, key, v->string);
    case JSON_ARRAY:
        /* Both list setters are exercised: the empty list needs set_string_list. */
        if (v->count == 0) return sa_properties_set_string_list(p, key, NULL, 0);
        for (i = 0; i < v->count && rc == SA_OK; i++) rc = sa_properties_append_string(p, key, v->items[i].string);
        return rc;
    case JSON_OBJECT: {
        const char *tag = v->keys[0], *text = v->items[0].string;
        if (strcmp(tag, "$datetime") == 0) return set_datetime(p, key, text);
        if (strcmp(tag, "$date") == 0) {
            int y = 0, m = 0, d = 0;
            sscanf(text, "%d-%d-%d", &y, &m, &d);
            return sa_properties_set_date(p, key, y, m, d);
        }
        if (strcmp(text, "NaN") == 0) return sa_properties_set_double(p, key, NAN);
        return sa_properties_set_double(p, key, text[0] == '-' ? -INFINITY : INFINITY);
    }
    }
    return SA_ERR_INVALID_ARGUMENT;
}

/* A map argument: NULL for None or an absent argument. */
static sa_properties *to_map(const json *v) {
    sa_properties *p = NULL;
    size_t i;
    if (!v || v->type != JSON_OBJECT) return NULL;
    CHECK_OK(sa_properties_new(&p));
    for (i = 0; i < v->count; i++) CHECK_OK(set_value(p, v->keys[i], &v->items[i]));
    return p;
}

/* The text of an id or name argument; `buffer` holds an integer's decimal text. */
static const char *to_text(const json *v, char *buffer, size_t size) {
    if (v->type == JSON_NUMBER) {
        snprintf(buffer, size, "%lld", v->integer);
        return buffer;
    }
    return v->string;
}

typedef struct {
    sa_properties *map;
    sa_identity *ids[MAX_IDS];
    size_t id_count;
    const char *keys[MAX_KEYS];
    size_t key_count;
    char id_text[2][32];
} converted;

static void to_identities(const json *list, converted *out) {
    size_t i;
    for (i = 0; list && i < list->count; i++) {
        const json *item = &list->items[i];
        CHECK_OK(sa_identity_new(json_get(item, "key")->string, json_get(item, "value")->string,
                                 &out->ids[out->id_count++]));
    }
}

static void to_keys(const json *list, converted *out) {
    size_t i;
    for (i = 0; list && list->type == JSON_ARRAY && i < list->count; i++) out->keys[out->key_count++] = list->items[i].string;
}

static void release(converted *c) {
    size_t i;
    sa_properties_free(c->map);
    for (i = 0; i < c->id_count; i++) sa_identity_free(c->ids[i]);
}

static int flag(const json *args, const char *name) {
    const json *v = json_get(args, name);
    return v && v->type == JSON_BOOL && v->boolean;
}

/* Makes one call through the public macros; returns its code. */
static int run_call(sa_client *sa, const json *call) {
    const json *args = json_get(call, "args");
    const char *m = json_get(call, "method")->string;
    converted c;
    int rc;
    memset(&c, 0, sizeof c);
#define ARG(name) json_get(args, name)
#define ID(name, slot) to_text(ARG(name), c.id_text[slot], sizeof c.id_text[slot])
#define IDS (const sa_identity *const *)c.ids, c.id_count
    if (strcmp(m, "track") == 0) {
        c.map = to_map(ARG("properties"));
        rc = sa_track(sa, ID("distinct_id", 0), ARG("event_name")->string, c.map, flag(args, "is_login_id"));
    } else if (strcmp(m, "track_signup") == 0) {
        c.map = to_map(ARG("properties"));
        rc = sa_track_signup(sa, ID("distinct_id", 0), ID("original_id", 1), c.map);
    } else if (strcmp(m, "profile_set") == 0) {
        c.map = to_map(ARG("profiles"));
        rc = sa_profile_set(sa, ID("distinct_id", 0), c.map, flag(args, "is_login_id"));
    } else if (strcmp(m, "profile_set_once") == 0) {
        c.map = to_map(ARG("profiles"));
        rc = sa_profile_set_once(sa, ID("distinct_id", 0), c.map, flag(args, "is_login_id"));
    } else if (strcmp(m, "profile_increment") == 0) {
        c.map = to_map(ARG("profiles"));
        rc = sa_profile_increment(sa, ID("distinct_id", 0), c.map, flag(args, "is_login_id"));
    } else if (strcmp(m, "profile_append") == 0) {
        c.map = to_map(ARG("profiles"));
        rc = sa_profile_append(sa, ID("distinct_id", 0), c.map, flag(args, "is_login_id"));
    } else if (strcmp(m, "profile_unset") == 0) {
        to_keys(ARG("profile_keys"), &c);
        rc = sa_profile_unset(sa, ID("distinct_id", 0), c.key_count ? c.keys : NULL, c.key_count, flag(args, "is_login_id"));
    } else if (strcmp(m, "profile_delete") == 0) {
        rc = sa_profile_delete(sa, ID("distinct_id", 0), flag(args, "is_login_id"));
    } else if (strcmp(m, "item_set") == 0) {
        c.map = to_map(ARG("properties"));
        rc = sa_item_set(sa, ARG("item_type")->string, ID("item_id", 0), c.map);
    } else if (strcmp(m, "item_delete") == 0) {
        c.map = to_map(ARG("properties"));
        rc = sa_item_delete(sa, ARG("item_type")->string, ID("item_id", 0), c.map);
    } else if (strcmp(m, "register_super_properties") == 0) {
        c.map = to_map(ARG("properties"));
        rc = sa_register_super_properties(sa, c.map);
    } else if (strcmp(m, "clear_super_properties") == 0) {
        rc = sa_clear_super_properties(sa);
    } else if (strcmp(m, "bind") == 0) {
        to_identities(ARG("identities"), &c);
        rc = sa_bind(sa, IDS);
    } else if (strcmp(m, "unbind") == 0) {
        const json *id = ARG("identity");
        CHECK_OK(sa_identity_new(json_get(id, "key")->string, json_get(id, "value")->string, &c.ids[c.id_count++]));
        rc = sa_unbind(sa, c.ids[0]);
    } else if (strcmp(m, "track_by_id") == 0) {
        c.map = to_map(ARG("properties"));
        to_identities(ARG("identities"), &c);
        rc = sa_track_by_id(sa, ARG("event_name")->string, c.map, IDS);
    } else if (strcmp(m, "profile_unset_by_id") == 0) {
        to_keys(ARG("profile_keys"), &c);
        to_identities(ARG("identities"), &c);
        rc = sa_profile_unset_by_id(sa, c.keys, c.key_count, IDS);
    } else if (strcmp(m, "profile_delete_by_id") == 0) {
        to_identities(ARG("identities"), &c);
        rc = sa_profile_delete_by_id(sa, IDS);
    } else {
        c.map = to_map(ARG("properties"));
        to_identities(ARG("identities"), &c);
        if (strcmp(m, "profile_set_by_id") == 0) rc = sa_profile_set_by_id(sa, c.map, IDS);
        else if (strcmp(m, "profile_set_once_by_id") == 0) rc = sa_profile_set_once_by_id(sa, c.map, IDS);
        else if (strcmp(m, "profile_increment_by_id") == 0) rc = sa_profile_increment_by_id(sa, c.map, IDS);
        else rc = sa_profile_append_by_id(sa, c.map, IDS);
    }
#undef ARG
#undef ID
#undef IDS
    release(&c);
    return rc;
}

/* ---- comparing records ----------------------------------------------------------------- */

static int is_string(const json *v, const char *s) {
    return v && v->type == JSON_STRING && strcmp(v->string, s) == 0;
}

/* Checks what the comparison leaves out, then removes it (README, "Comparison"). */
static void normalise(json *actual, const json *expected) {
    /* Pointers into `actual` move when a member is removed: each is looked up when used. */
    const json *type = json_get(actual, "type");
    const json *track_id = json_get(actual, "_track_id");
    json *lib;
    int is_item = type && type->type == JSON_STRING && strncmp(type->string, "item_", 5) == 0;
    if (is_item) {
        CHECK(track_id == NULL);
    } else {
        CHECK(track_id && track_id->type == JSON_NUMBER && track_id->is_integer && track_id->integer >= 0 &&
              track_id->integer < 2147483648LL);
    }
    json_remove(actual, "_track_id");
    if (!json_get(expected, "time")) {
        const json *time_value = json_get(actual, "time");
        CHECK(time_value && time_value->type == JSON_NUMBER && time_value->is_integer);
        json_remove(actual, "time");
    }
    /* C-specific: `$lib` is "C" and `$lib_detail` names this file's run_call. */
    lib = (json *)json_get(actual, "lib");
    CHECK(is_string(json_get(lib, "$lib"), "C"));
    {
        const json *detail = json_get(lib, "$lib_detail");
        CHECK(detail && detail->type == JSON_STRING && strncmp(detail->string, "##run_call##", 12) == 0 &&
              strstr(detail->string, "vectors.c##") != NULL);
    }
    json_remove(lib, "$lib");
    json_remove(lib, "$lib_version");
    json_remove(lib, "$lib_detail");
    json_remove((json *)json_get(actual, "properties"), "$lib");
    json_remove((json *)json_get(actual, "properties"), "$lib_version");
}

static const json *current_case;

static void run_current_case(void) {
    static const char *const ordered[] = {"properties", "lib", NULL};
    const json *c = current_case;
    const json *setup = json_get(c, "setup");
    const json *calls = json_get(c, "calls");
    const json *expect = json_get(c, "expect");
    const json *error = json_get(c, "error");
    const json *project = json_get(setup, "project_name");
    capture cap;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    size_t i;
    int rc = SA_OK;

    capture_init(&cap);
    CHECK_OK(capture_consumer(&cap, &consumer));
    CHECK_OK(sa_new(consumer, project && project->type == JSON_STRING ? project->string : NULL,
                    flag(setup, "enable_time_free"), &sa));
    sa_consumer_free(consumer);
    if (json_get(setup, "super_properties") && json_get(setup, "super_properties")->type == JSON_OBJECT) {
        sa_properties *sup = to_map(json_get(setup, "super_properties"));
        CHECK_OK(sa_register_super_properties(sa, sup));
        sa_properties_free(sup);
    }
    for (i = 0; i < calls->count; i++) {
        rc = run_call(sa, &calls->items[i]);
        if (i + 1 < calls->count && rc != SA_OK)
            check_failed(__FILE__, __LINE__, "call %zu failed: %s: %s", i, sa_error_name(rc), sa_last_error_message());
    }
    if (error) {
        const char *kind = json_get(error, "kind")->string;
        const char *message = json_get(error, "message")->string;
        if (strcmp(sa_error_name(rc), kind) != 0 || strcmp(sa_last_error_message(), message) != 0)
            check_failed(__FILE__, __LINE__, "expected %s \"%s\", got %s \"%s\"", kind, message, sa_error_name(rc),
                         rc == SA_OK ? "" : sa_last_error_message());
        CHECK(cap.count == 0);
    } else if (rc != SA_OK) {
        check_failed(__FILE__, __LINE__, "unexpected %s: %s", sa_error_name(rc), sa_last_error_message());
    } else if (!expect || cap.count != expect->count) {
        check_failed(__FILE__, __LINE__, "%zu records, expected %zu", cap.count, expect ? expect->count : 0);
    } else {
        for (i = 0; i < cap.count; i++) {
            char why[128];
            json *actual = json_parse(cap.records[i], strlen(cap.records[i]), why, sizeof why);
            if (!actual) {
                check_failed(__FILE__, __LINE__, "invalid JSON (%s): %s", why, cap.records[i]);
                continue;
            }
            normalise(actual, &expect->items[i]);
            if (!json_equal(actual, &expect->items[i], 1, ordered)) {
                check_failed(__FILE__, __LINE__, "record %zu differs", i);
                printf("    actual   ");
                json_print(stdout, actual);
                printf("\n    expected ");
                json_print(stdout, &expect->items[i]);
                printf("\n");
            }
            json_free(actual);
        }
    }
    CHECK_OK(sa_free(sa));
    CHECK(cap.releases == 1);
    capture_destroy(&cap);
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int run_vector_files(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, i, j;
    int cases = 0;
    if (!d) {
        printf("cannot open the vectors directory %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            names = (char **)realloc(names, (n + 1) * sizeof(char *));
            names[n] = (char *)malloc(len + 1);
            memcpy(names[n++], e->d_name, len + 1);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(char *), compare_names);
    for (i = 0; i < n; i++) {
        char path[4096], why[256];
        json *doc;
        const json *list;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        doc = json_parse_file(path, why, sizeof why);
        list = json_get(doc, "cases");
        if (!list || list->type != JSON_ARRAY) {
            printf("FAIL %s: not a vector file (%s)\n", path, doc ? "no cases" : why);
            cases = -1;
        }
        for (j = 0; list && j < list->count; j++) {
            const json *c = &list->items[j];
            const json *name = json_get(c, "name");
            const char *problem = case_problem(c);
            const char *label = name && name->type == JSON_STRING ? name->string : "?";
            if (cases >= 0) cases++;
            if (problem) {
                skip_test(label, problem);
                continue;
            }
            current_case = c;
            run_test(label, run_current_case);
        }
        json_free(doc);
        free(names[i]);
    }
    free(names);
    return cases;
}
