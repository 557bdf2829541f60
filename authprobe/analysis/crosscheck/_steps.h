/*
 * What the files of authprobe.analysis.crosscheck._steps share: `_steps.c` (the module, the
 * pair discovery's value sets), `_steps_columns.c` (steps on whole polars columns) and
 * `_steps_members.c` (membership of value hashes in a set).
 */
#ifndef AUTHPROBE_STEPS_H
#define AUTHPROBE_STEPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "../../_ascii.h"

/* The digits-only step on `size` ASCII bytes with four digits or more: their digits without
 * leading zeros ("0" when all are zeros) written to `out` (which may be `value` itself);
 * returns the new size, or -1 (nothing written) when there are fewer than four digits. */
static inline Py_ssize_t
keep_digits(const char *value, Py_ssize_t size, char *out)
{
    Py_ssize_t digits = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        digits += ascii_digit((unsigned char)value[i]);
    }
    if (digits < 4) {
        return -1;
    }
    /* without branches (digit runs are unpredictable): each byte is written, and kept (the
     * next one written after it) when it is a digit past the leading zeros; `kept` never
     * passes `i`, so `out` may be `value` */
    Py_ssize_t kept = 0;
    int started = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)value[i];
        int keep = ascii_digit(c) & (started | (c != '0'));
        out[kept] = (char)c;
        kept += keep;
        started |= keep;
    }
    if (!kept) {
        out[kept++] = '0';
    }
    return kept;
}

/* Sort `count` 64-bit values in place: LSD radix on bytes, skipping the bytes all values share
 * (a few times faster than a comparison sort on hashes). 0, or -1 when memory ran out. */
static inline int
radix_sort(uint64_t *values, Py_ssize_t count)
{
    if (count < 2) {
        return 0;
    }
    uint64_t *spare = PyMem_RawMalloc((size_t)count * sizeof(uint64_t));
    Py_ssize_t(*histogram)[256] = PyMem_RawCalloc(8, sizeof(*histogram));
    if (spare == NULL || histogram == NULL) {
        PyMem_RawFree(spare);
        PyMem_RawFree(histogram);
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        for (int b = 0; b < 8; b++) {
            histogram[b][(values[i] >> (8 * b)) & 0xff]++;
        }
    }
    uint64_t *from = values, *to = spare;
    for (int b = 0; b < 8; b++) {
        if (histogram[b][(values[0] >> (8 * b)) & 0xff] == count) {
            continue; /* every value has this byte: the order stays */
        }
        Py_ssize_t offset = 0;
        for (int d = 0; d < 256; d++) {
            Py_ssize_t n = histogram[b][d];
            histogram[b][d] = offset;
            offset += n;
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            to[histogram[b][(from[i] >> (8 * b)) & 0xff]++] = from[i];
        }
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != values) {
        memcpy(values, from, (size_t)count * sizeof(uint64_t));
    }
    PyMem_RawFree(histogram);
    PyMem_RawFree(spare);
    return 0;
}

/* The steps as bits of a mask, in the order they are applied (fullsets.BITS). */
enum {
    STEP_TRIM = 1,
    STEP_CASEFOLD = 2,
    STEP_SCOPE = 4,
    STEP_ZEROS = 8,
    STEP_DIGITS = 16,
    STEP_ALL = 31
};

/* The position of the last @ in `size` bytes, or -1. */
static inline Py_ssize_t
last_at(const char *buf, Py_ssize_t size)
{
#if defined(__GLIBC__)
    const char *at = size ? memrchr(buf, '@', (size_t)size) : NULL;
    return at == NULL ? -1 : at - buf;
#else
    Py_ssize_t at = size - 1;
    while (at >= 0 && buf[at] != '@') {
        at--;
    }
    return at;
#endif
}

/* Normalise `size` ASCII bytes in place in `buf`; returns the new size, adds to `*changed`. */
static inline Py_ssize_t
normalise_ascii(char *buf, Py_ssize_t size, int steps, int *changed)
{
    if (steps & STEP_TRIM) {
        Py_ssize_t start = 0, end = size;
        while (start < end && ascii_space((unsigned char)buf[start])) {
            start++;
        }
        while (end > start && ascii_space((unsigned char)buf[end - 1])) {
            end--;
        }
        if (start || end != size) {
            *changed |= STEP_TRIM;
            memmove(buf, buf + start, (size_t)(end - start));
            size = end - start;
        }
    }
    if (steps & STEP_CASEFOLD) { /* without branches: the compiler makes it vector code */
        unsigned char upper = 0;
        for (Py_ssize_t i = 0; i < size; i++) {
            unsigned char c = (unsigned char)buf[i];
            unsigned char is_upper = (unsigned char)(c - 'A') < 26;
            upper |= is_upper;
            buf[i] = (char)(c | (is_upper << 5));
        }
        if (upper) {
            *changed |= STEP_CASEFOLD;
        }
    }
    if (steps & STEP_SCOPE) {
        /* the part before the last @, when that part is not empty */
        Py_ssize_t at = last_at(buf, size);
        if (at > 0) {
            size = at;
            *changed |= STEP_SCOPE;
        }
    }
    if (steps & STEP_ZEROS && size > 1 && buf[0] == '0') {
        Py_ssize_t i = 0;
        while (i < size && ascii_digit((unsigned char)buf[i])) {
            i++;
        }
        if (i == size) { /* all digits: lstrip("0") or "0" */
            Py_ssize_t zeros = 0;
            while (zeros < size - 1 && buf[zeros] == '0') {
                zeros++;
            }
            memmove(buf, buf + zeros, (size_t)(size - zeros));
            size -= zeros;
            *changed |= STEP_ZEROS;
        }
    }
    if (steps & STEP_DIGITS) {
        Py_ssize_t kept = keep_digits(buf, size, buf);
        if (kept >= 0) {
            if (kept != size) { /* fewer characters: something went (else all were kept) */
                *changed |= STEP_DIGITS;
            }
            size = kept;
        }
    }
    return size;
}

/* step_column(stream, steps) -> (stream | None, changed) | None (see _steps_columns.c) */
PyObject *step_column(PyObject *module, PyObject *args);

/* HashSet, sorted_runs(stream) -> (distinct, holders), sorted_common(mine, theirs, weights)
 * -> int (see _steps_members.c) */
extern PyTypeObject HashSetType;
PyObject *sorted_runs(PyObject *module, PyObject *capsule);
PyObject *sorted_common(PyObject *module, PyObject *args);

#endif
