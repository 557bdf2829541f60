/*
 * What the two files of authprobe.analysis._columns share: `_columns.c` (the module, the loop
 * both collectors share, LoadColumns' Collector, fold) and `_columns_index.c` (SideIndex's
 * IndexCollector).
 */
#ifndef AUTHPROBE_COLUMNS_H
#define AUTHPROBE_COLUMNS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The head both collectors share: the records added, how often their lists are flushed, and
 * whether a flush is due sooner (set by an `Apply`: a buffer grown large). */
#define COUNTED_HEAD                                                                         \
    PyObject_HEAD                                                                            \
    Py_ssize_t records;                                                                      \
    Py_ssize_t flush_every;                                                                  \
    int due;

typedef struct {
    COUNTED_HEAD
} Counted;

/* What the collectors read of a record (new references). */
typedef struct {
    PyObject *attrs, *info, *ref, *population;
} Parts;

/* The part of `add` that differs: append one record's parts (numbered `number`). */
typedef int (*Apply)(PyObject *self, const Parts *parts, PyObject *number);

/* `__init__`'s common part of either collector: keep the `count` lists of the tuple `lists`
 * (each an exact list) in `into`, and `flush_every` (positive). 0, or -1 with an exception. */
int columns_take_lists(Counted *self, PyObject *lists, PyObject **into, int count,
                       Py_ssize_t flush_every);

/* `add` of either collector: read the record's parts, leave it to Python (None) when this loop
 * does not take it, else `apply` them and count the record (True when a flush is due). */
PyObject *columns_collect(Counted *self, PyObject *record, Apply apply);

extern PyGetSetDef columns_counted_getset[];
extern PyTypeObject IndexCollectorType;

#endif
