/*
 * Python's str methods on ASCII characters, as authprobe's C accelerators need them (one
 * definition for all: sources/sis/_userxml.c, analysis/_profile.c, analysis/_columns.c and
 * analysis/crosscheck/_steps.c each include this).
 */
#ifndef AUTHPROBE_ASCII_H
#define AUTHPROBE_ASCII_H

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

#endif
