/*
 * Python's str methods on ASCII characters, as authprobe's C accelerators need them (one
 * definition for all: sources/sis/_userxml.c, analysis/_profile.c, analysis/_columns.c and
 * analysis/crosscheck/_steps.c each include this).
 */
#ifndef AUTHPROBE_ASCII_H
#define AUTHPROBE_ASCII_H

#include <stdint.h>

/* str.isspace (what str.strip() removes) among ASCII characters: \t \n \v \f \r, the
 * separators \x1c-\x1f, and space */
static inline int
ascii_space(unsigned char c)
{
    return (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= ' ');
}

/* str.isdigit among ASCII characters */
static inline int
ascii_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Whether `size` bytes are all ASCII (no byte from 0x80 up: UTF-8 of ASCII characters only) */
static inline int
ascii_bytes(const char *bytes, int64_t size)
{
    unsigned char high = 0;
    for (int64_t i = 0; i < size; i++) {
        high |= (unsigned char)bytes[i];
    }
    return high < 0x80;
}

#endif
