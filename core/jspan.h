/* jspan: where a member's value lies in the bytes of a JSON text already parsed, so a digest can be taken of the bytes as stored. */
#ifndef STEWARD_JSPAN_H
#define STEWARD_JSPAN_H

#include <stddef.h>

/* The value of member key of the object that text (len bytes) holds:
 * 0 with *val and *vlen its bytes, -1 when the object has no member
 * spelled exactly key (one written with escapes is not looked for) or
 * the text is not an object. Reads no byte past len whatever the text;
 * what it finds is only meaningful for a text a parser accepted (one
 * that refuses duplicate members). */
int jspan_member(const char *text, size_t len, const char *key, const char **val, size_t *vlen);

#endif
