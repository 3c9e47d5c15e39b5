/*
 * A small JSON reader for the tests: parses the shared vectors and the records the library
 * writes, keeping the order of object keys (the comparison checks it). Written for these
 * tests only; it accepts exactly RFC 8259 JSON.
 */
#ifndef SA_TEST_JSON_H
#define SA_TEST_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json json;
struct json {
    json_type type;
    int boolean;
    double number;
    int is_integer;      /* the number was written without fraction or exponent */
    long long integer;   /* its value, when is_integer */
    char *string;        /* NUL-terminated UTF-8; may also hold NULs (see length) */
    size_t length;       /* bytes in string */
    size_t count;        /* elements of an array or members of an object */
    json *items;         /* the elements, or the members' values */
    char **keys;         /* the members' keys (objects only), in document order */
};

/* Parses `text` (`size` bytes). Returns NULL on a syntax error, with a reason in `error`. */
json *json_parse(const char *text, size_t size, char *error, size_t error_size);
json *json_parse_file(const char *path, char *error, size_t error_size);
void json_free(json *value);

/* The member `key` of an object, or NULL (also when `object` is not an object). */
const json *json_get(const json *object, const char *key);
/* Removes member `key` from an object, if present, keeping the order of the others. */
void json_remove(json *object, const char *key);
/* 1 if `value` is an object whose only member is `tag` with a string value. */
int json_is_tag(const json *value, const char *tag);

/* Deep equality as the vectors' README defines it: numbers by value, a bool never equal to a
   number, objects with the same members; key order compared when `ordered`, which applies to
   this level only (nested objects are compared ignoring order unless they are named in
   `ordered_children`, a NULL-terminated list of member names, e.g. "properties", "lib"). */
int json_equal(const json *a, const json *b, int ordered, const char *const *ordered_children);

/* Writes compact JSON, for failure messages. */
void json_print(FILE *out, const json *value);

#endif
