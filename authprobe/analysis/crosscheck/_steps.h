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

/* digits_only_column(stream) -> (stream, changed) | None (see _steps_columns.c) */
PyObject *digits_only_column(PyObject *module, PyObject *capsule);

/* HashSet (see _steps_members.c) */
extern PyTypeObject HashSetType;

#endif
