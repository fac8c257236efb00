/* test_jtext.c — jtext() writes exactly what jansson's json_dumps(JSON_COMPACT) writes:
 * every kind of value, every escape, reals of every shape, and many random documents. */
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include "util/jtext.h"

static int same(json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *got = jtext(v, NULL);
    int ok = want && got && !strcmp(want, got);
    if (!ok)
        fprintf(stderr, "want %s\ngot  %s\n", want ? want : "(null)", got ? got : "(null)");
    free(want);
    free(got);
    return ok;
}

static unsigned long long seed = 88172645463325252ULL;
static unsigned rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)seed;
}

static json_t *random_string(void)
{
    static const char *const parts[] = {"a", "Zz", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x01", "\x1f",
                                        "\x7f", "é", "€", "😀", " ", "{}", "[],:", "0"};
    char s[128] = "";
    for (unsigned i = rnd() % 8; i > 0; i--)
        strcat(s, parts[rnd() % (sizeof parts / sizeof *parts)]);
    return json_string(s);
}

static json_t *random_value(int depth)
{
    switch (rnd() % (depth > 3 ? 6 : 8)) {
    case 0: return random_string();
    case 1: return json_integer((json_int_t)(rnd() % 2 ? rnd() : -(json_int_t)rnd() * 977));
    case 2: {
        double shapes[] = {0.1, 1e-7, -2.5e300, 5.0, 123456789.0, 1.0 / 3, 1e21, 1e16, -0.0, 6.02214076e23, 1e-300};
        return json_real(shapes[rnd() % 11] * (rnd() % 3 ? 1 : (rnd() % 1000) / 7.0));
    }
    case 3: return json_boolean(rnd() % 2);
    case 4: return json_null();
    case 5: return random_string();
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd() % 5; i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd() % 6; i > 0; i--) {
            json_t *k = random_string();
            json_object_set_new(o, json_string_value(k), random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

int main(void)
{
    const char *docs[] = {
        "{}", "[]", "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":true,\"e\":false}",
        "{\"id\":\"c1\",\"accountId\":\"a1\",\"name\":\"Root\",\"tagIds\":[\"t1\",\"t2\"],"
        "\"data\":{\"plan\":{\"stringValue\":\"gold\"},\"seats\":{\"numberValue\":5}}}",
        "{\"z\":{\"numberValue\":-2.5e300},\"a\":{\"numberValue\":1e-07},\"r\":5.0,\"q\":0.1}",
        "{\"s\":\"quote \\\" back \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f ctl \\u0001 \\u001f del \\u007f é € 😀\"}",
        "[9223372036854775807,-9223372036854775808,0,-1]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_error_t e;
        json_t *v = json_loads(docs[i], 0, &e);
        CHECK(v != NULL);
        CHECK(same(v));
        json_decref(v);
    }
    double reals[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1e-7, 1e-300, 1e300, 1e21, 1e22, 123456789012345678.0, 3.141592653589793,
                      2.5e-5, 1e100, 4.9e-324, 1.7976931348623157e308};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        json_t *v = json_real(reals[i]);
        CHECK(same(v));
        json_decref(v);
    }
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        json_t *v = random_value(0);
        bad += !same(v);
        json_decref(v);
    }
    CHECK(bad == 0);
    return CHECK_DONE();
}
