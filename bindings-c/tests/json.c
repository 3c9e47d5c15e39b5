/* A small JSON reader for the tests (see json.h). Recursive descent over a byte buffer. */
#include "json.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
    char *error;
    size_t error_size;
    int failed;
    int depth;
} parser;

static void fail(parser *ps, const char *fmt, ...) {
    va_list ap;
    if (ps->failed) return;
    ps->failed = 1;
    va_start(ap, fmt);
    if (ps->error && ps->error_size) vsnprintf(ps->error, ps->error_size, fmt, ap);
    va_end(ap);
}

static void *xrealloc(void *old, size_t size) {
    void *p = realloc(old, size ? size : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

/* Growable byte buffer for strings. */
typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static void put_byte(buffer *b, char c) {
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->data = (char *)xrealloc(b->data, b->cap);
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

static void put_utf8(buffer *b, unsigned long cp) {
    if (cp < 0x80) {
        put_byte(b, (char)cp);
    } else if (cp < 0x800) {
        put_byte(b, (char)(0xC0 | (cp >> 6)));
        put_byte(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        put_byte(b, (char)(0xE0 | (cp >> 12)));
        put_byte(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        put_byte(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        put_byte(b, (char)(0xF0 | (cp >> 18)));
        put_byte(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        put_byte(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        put_byte(b, (char)(0x80 | (cp & 0x3F)));
    }
}

static int hex4(parser *ps, unsigned long *out) {
    int i;
    *out = 0;
    if (ps->end - ps->p < 4) return 0;
    for (i = 0; i < 4; i++) {
        char c = *ps->p++;
        *out <<= 4;
        if (c >= '0' && c <= '9') *out |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') *out |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *out |= (unsigned long)(c - 'A' + 10);
        else return 0;
    }
    return 1;
}

/* Parses a string after its opening quote into a fresh NUL-terminated buffer. */
static char *parse_string(parser *ps, size_t *length) {
    buffer b;
    memset(&b, 0, sizeof b);
    put_byte(&b, 'x'); /* make sure data is allocated, then drop the byte */
    b.len = 0;
    b.data[0] = '\0';
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            fail(ps, "control character in a string");
            break;
        }
        if (c != '\\') {
            put_byte(&b, (char)c);
            continue;
        }
        if (ps->p >= ps->end) break;
        c = (unsigned char)*ps->p++;
        switch (c) {
        case '"': put_byte(&b, '"'); break;
        case '\\': put_byte(&b, '\\'); break;
        case '/': put_byte(&b, '/'); break;
        case 'b': put_byte(&b, '\b'); break;
        case 'f': put_byte(&b, '\f'); break;
        case 'n': put_byte(&b, '\n'); break;
        case 'r': put_byte(&b, '\r'); break;
        case 't': put_byte(&b, '\t'); break;
        case 'u': {
            unsigned long cp, low;
            if (!hex4(ps, &cp)) {
                fail(ps, "bad \\u escape");
                break;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (literal(ps, "\\u") && hex4(ps, &low) && low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else {
                    fail(ps, "lone surrogate");
                    break;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, "lone surrogate");
                break;
            }
            put_utf8(&b, cp);
            break;
        }
        default: fail(ps, "bad escape \\%c", c);
        }
        if (ps->failed) break;
    }
    if (!ps->failed && ps->p >= ps->end) fail(ps, "unterminated string");
    if (ps->failed) {
        free(b.data);
        return NULL;
    }
    ps->p++; /* closing quote */
    *length = b.len;
    return b.data;
}

static void parse_value(parser *ps, json *out);

static void parse_number(parser *ps, json *out) {
    const char *start = ps->p;
    char text[64];
    size_t n;
    int integer = 1;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        fail(ps, "bad number");
        return;
    }
    if (*ps->p == '0') ps->p++;
    else while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        integer = 0;
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            fail(ps, "bad fraction");
            return;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integer = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            fail(ps, "bad exponent");
            return;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    n = (size_t)(ps->p - start);
    if (n >= sizeof text) {
        fail(ps, "number too long");
        return;
    }
    memcpy(text, start, n);
    text[n] = '\0';
    out->type = JSON_NUMBER;
    out->number = strtod(text, NULL);
    out->is_integer = integer;
    if (integer) out->integer = strtoll(text, NULL, 10);
}

static void parse_array(parser *ps, json *out) {
    size_t cap = 0;
    out->type = JSON_ARRAY;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return;
    }
    for (;;) {
        if (out->count == cap) {
            cap = cap ? cap * 2 : 4;
            out->items = (json *)xrealloc(out->items, cap * sizeof(json));
        }
        memset(&out->items[out->count], 0, sizeof(json));
        parse_value(ps, &out->items[out->count++]);
        if (ps->failed) return;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return;
        }
        fail(ps, "expected , or ] in an array");
        return;
    }
}

static void parse_object(parser *ps, json *out) {
    size_t cap = 0;
    out->type = JSON_OBJECT;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return;
    }
    for (;;) {
        size_t klen;
        char *key;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') {
            fail(ps, "expected a key");
            return;
        }
        ps->p++;
        key = parse_string(ps, &klen);
        if (!key) return;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 4;
            out->items = (json *)xrealloc(out->items, cap * sizeof(json));
            out->keys = (char **)xrealloc(out->keys, cap * sizeof(char *));
        }
        out->keys[out->count] = key;
        memset(&out->items[out->count], 0, sizeof(json));
        out->count++;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            fail(ps, "expected :");
            return;
        }
        ps->p++;
        parse_value(ps, &out->items[out->count - 1]);
        if (ps->failed) return;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return;
        }
        fail(ps, "expected , or } in an object");
        return;
    }
}

static void parse_value(parser *ps, json *out) {
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end");
        return;
    }
    if (++ps->depth > 200) {
        fail(ps, "nested too deep");
        return;
    }
    switch (*ps->p) {
    case '{': ps->p++; parse_object(ps, out); break;
    case '[': ps->p++; parse_array(ps, out); break;
    case '"':
        ps->p++;
        out->type = JSON_STRING;
        out->string = parse_string(ps, &out->length);
        break;
    case 't':
    case 'f':
    case 'n':
        if (literal(ps, "true")) {
            out->type = JSON_BOOL;
            out->boolean = 1;
        } else if (literal(ps, "false")) {
            out->type = JSON_BOOL;
        } else if (literal(ps, "null")) {
            out->type = JSON_NULL;
        } else {
            fail(ps, "bad literal");
        }
        break;
    default: parse_number(ps, out);
    }
    ps->depth--;
}

static void free_members(json *v) {
    size_t i;
    if (!v) return;
    for (i = 0; i < v->count; i++) {
        free_members(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
}

void json_free(json *value) {
    free_members(value);
    free(value);
}

json *json_parse(const char *text, size_t size, char *error, size_t error_size) {
    parser ps;
    json *root = (json *)xrealloc(NULL, sizeof(json));
    memset(root, 0, sizeof *root);
    ps.p = text;
    ps.end = text + size;
    ps.error = error;
    ps.error_size = error_size;
    ps.failed = 0;
    ps.depth = 0;
    parse_value(&ps, root);
    skip_ws(&ps);
    if (!ps.failed && ps.p != ps.end) fail(&ps, "trailing characters");
    if (ps.failed) {
        json_free(root);
        return NULL;
    }
    return root;
}

json *json_parse_file(const char *path, char *error, size_t error_size) {
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    json *root;
    if (!f) {
        snprintf(error, error_size, "cannot open %s", path);
        return NULL;
    }
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            data = (char *)xrealloc(data, cap);
        }
        n = fread(data + len, 1, cap - len, f);
        if (n == 0) break;
        len += n;
    }
    fclose(f);
    root = json_parse(data, len, error, error_size);
    free(data);
    return root;
}

const json *json_get(const json *object, const char *key) {
    size_t i;
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], key) == 0) return &object->items[i];
    return NULL;
}

void json_remove(json *object, const char *key) {
    size_t i;
    if (!object || object->type != JSON_OBJECT) return;
    for (i = 0; i < object->count; i++) {
        if (strcmp(object->keys[i], key) == 0) {
            free_members(&object->items[i]);
            free(object->keys[i]);
            memmove(&object->items[i], &object->items[i + 1], (object->count - i - 1) * sizeof(json));
            memmove(&object->keys[i], &object->keys[i + 1], (object->count - i - 1) * sizeof(char *));
            object->count--;
            return;
        }
    }
}

int json_is_tag(const json *value, const char *tag) {
    return value && value->type == JSON_OBJECT && value->count == 1 && strcmp(value->keys[0], tag) == 0 &&
           value->items[0].type == JSON_STRING;
}

static int named(const char *key, const char *const *names) {
    for (; names && *names; names++)
        if (strcmp(key, *names) == 0) return 1;
    return 0;
}

int json_equal(const json *a, const json *b, int ordered, const char *const *ordered_children) {
    size_t i;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return a->boolean == b->boolean;
    case JSON_NUMBER: return a->number == b->number;
    case JSON_STRING: return a->length == b->length && memcmp(a->string, b->string, a->length) == 0;
    case JSON_ARRAY:
        if (a->count != b->count) return 0;
        for (i = 0; i < a->count; i++)
            if (!json_equal(&a->items[i], &b->items[i], 0, NULL)) return 0;
        return 1;
    case JSON_OBJECT:
        if (a->count != b->count) return 0;
        for (i = 0; i < a->count; i++) {
            const json *other;
            if (ordered) {
                if (strcmp(a->keys[i], b->keys[i]) != 0) return 0;
                other = &b->items[i];
            } else {
                other = json_get(b, a->keys[i]);
                if (!other) return 0;
            }
            if (!json_equal(&a->items[i], other, named(a->keys[i], ordered_children), NULL)) return 0;
        }
        return 1;
    }
    return 0;
}

static void print_string(FILE *out, const char *s, size_t n) {
    size_t i;
    fputc('"', out);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

void json_print(FILE *out, const json *v) {
    size_t i;
    switch (v->type) {
    case JSON_NULL: fputs("null", out); break;
    case JSON_BOOL: fputs(v->boolean ? "true" : "false", out); break;
    case JSON_NUMBER:
        if (v->is_integer) fprintf(out, "%lld", v->integer);
        else fprintf(out, "%.17g", v->number);
        break;
    case JSON_STRING: print_string(out, v->string, v->length); break;
    case JSON_ARRAY:
        fputc('[', out);
        for (i = 0; i < v->count; i++) {
            if (i) fputc(',', out);
            json_print(out, &v->items[i]);
        }
        fputc(']', out);
        break;
    case JSON_OBJECT:
        fputc('{', out);
        for (i = 0; i < v->count; i++) {
            if (i) fputc(',', out);
            print_string(out, v->keys[i], strlen(v->keys[i]));
            fputc(':', out);
            json_print(out, &v->items[i]);
        }
        fputc('}', out);
        break;
    }
}
