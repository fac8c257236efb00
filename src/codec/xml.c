/* xml.c — the DataContract XML writer and reader. */
#include "codec.h"

void write_xml(buf_t *b, const type_t *t, json_t *obj, unsigned flags)
{
    (void)b;
    (void)t;
    (void)obj;
    (void)flags;
}
