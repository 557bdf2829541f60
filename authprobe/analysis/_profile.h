/*
 * What the two files of authprobe.analysis._profile share: `_profile.c` (the module: counting,
 * shapes, `shape_counts`) and `_profile_columns.c` (`shape_column`, over polars columns).
 */
#ifndef AUTHPROBE_PROFILE_H
#define AUTHPROBE_PROFILE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "../_ascii.h"

/* The shapes `shape_counts` and `shape_column` have seen lately, with their records not yet
 * added to the dict: a field's values mostly share a few shapes, found here by their bytes (no
 * str made, no dict lookup); a shape that finds no room goes to the dict at once. */
#define RECENT 16
typedef struct {
    PyObject *shape[RECENT];
    unsigned long long records[RECENT];
    int used;
} Recent;

/* the int 1 */
extern PyObject *one;

/* shapes[shape] += records (records > 0). 0 or -1. */
int bump_by(PyObject *shapes, PyObject *shape, unsigned long long records);

/* The recent shapes' records added to the dict; the shapes let go. 0 or -1. */
int recent_flush(Recent *recent, PyObject *shapes);

/* The ASCII value p[:n], held by `records` records, shaped among the recent ones (see
 * _profile.c). 0 or -1. */
int shape_ascii(const unsigned char *p, Py_ssize_t n, unsigned long long records, Recent *recent,
                PyObject *shapes, char **out, size_t *room, int *bad, int *fold);

/* Shape and awkwardness of one value: C for an exact ASCII str, else fallback(value). */
PyObject *shape_one(PyObject *value, PyObject *fallback, int *awkward, int *fold);

/* shape_column(values, counts, fallback) (see _profile_columns.c) */
PyObject *shape_column(PyObject *module, PyObject *args);

#endif
