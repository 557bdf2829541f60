/*
 * authprobe.analysis.crosscheck._steps, continued: membership of 64-bit value hashes in a set.
 *
 *     HashSet(stream)       the u64 values of an Arrow stream (polars: `Series.__arrow_c_stream__()`
 *                           of a UInt64 column without nulls), held in an open-addressing table
 *     .mask(stream)         per value of another such stream, whether the set holds it: a
 *                           capsule "arrow_array_stream" of one boolean array
 *     len()                 the distinct values held
 *
 *     sorted_runs(stream) -> (distinct, holders)
 *                           the u64 values of a stream sorted, each once (a capsule of one u64
 *                           array), and how many times each came (one u32 array): a chain's
 *                           distinct hashes and their holders in one radix sort
 *     sorted_common(mine, theirs, weights) -> int
 *                           how many of `mine`'s values `theirs` holds (two u64 streams, each
 *                           sorted and distinct), each counted by its weight (a u32 stream
 *                           beside `mine`) when `weights` is not None: one merge
 *
 * The cross-check asks the same question many times of one target ("which of these records'
 * hashes does the other side hold?", `Chain.holds`): polars' `is_in` builds a hash set of the
 * target at every call; this set is built once per target and kept with it. The values are
 * hashes already (well spread), so a slot is a multiply-shift of the value; 0 marks an empty
 * slot and is remembered apart.
 */
#include "_steps.h"
#include "../../_arrow_out.h"

typedef struct {
    PyObject_HEAD
    uint64_t *slots;
    uint64_t mask; /* slots - 1 (a power of two) */
    int shift;     /* 64 - log2(slots) */
    int has_zero;
    Py_ssize_t count;
} HashSet;

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define AHEAD 24 /* probes prefetched ahead (8: a quarter slower at a million values, measured) */

static inline uint64_t
slot_of(const HashSet *set, uint64_t value)
{
    return (value * GOLDEN) >> set->shift;
}

static void
hashset_insert(HashSet *set, uint64_t value)
{
    if (value == 0) {
        set->count += !set->has_zero;
        set->has_zero = 1;
        return;
    }
    uint64_t at = slot_of(set, value);
    while (set->slots[at] != 0) {
        if (set->slots[at] == value) {
            return;
        }
        at = (at + 1) & set->mask;
    }
    set->slots[at] = value;
    set->count++;
}

static inline int
hashset_has(const HashSet *set, uint64_t value)
{
    if (value == 0) {
        return set->has_zero;
    }
    uint64_t at = slot_of(set, value);
    for (;;) {
        uint64_t found = set->slots[at];
        if (found == value) {
            return 1;
        }
        if (found == 0) {
            return 0;
        }
        at = (at + 1) & set->mask;
    }
}

/* The u64 arrays of `capsule` (a stream), their number in `*held`; NULL with an exception. */
static struct ArrowArray *
u64_arrays(PyObject *capsule, Py_ssize_t *held, int64_t *rows)
{
    struct ArrowArray *arrays = NULL;
    int kind = 0;
    *held = 0;
    int status = capsule_arrays(capsule, 2, &kind, &arrays, held);
    if (status != 0) {
        release_arrays(arrays, *held);
        if (status > 0) {
            PyErr_SetString(PyExc_TypeError, "a UInt64 column without nulls is needed");
        }
        return NULL;
    }
    *rows = 0;
    for (Py_ssize_t a = 0; a < *held; a++) {
        *rows += arrays[a].length;
    }
    return arrays; /* read_arrays made room for them, even for none */
}

static int
hashset_init(HashSet *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"values", NULL};
    PyObject *capsule;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", keywords, &capsule)) {
        return -1;
    }
    if (self->slots != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a HashSet is made once");
        return -1;
    }
    Py_ssize_t held;
    int64_t rows;
    struct ArrowArray *arrays = u64_arrays(capsule, &held, &rows);
    if (arrays == NULL) {
        return -1;
    }
    int bits = 4;
    while (((int64_t)1 << bits) < 2 * rows) { /* at most half full */
        bits++;
    }
    self->slots = PyMem_RawCalloc((size_t)1 << bits, sizeof(uint64_t));
    if (self->slots == NULL) {
        release_arrays(arrays, held);
        PyErr_NoMemory();
        return -1;
    }
    self->mask = ((uint64_t)1 << bits) - 1;
    self->shift = 64 - bits;
    for (Py_ssize_t a = 0; a < held; a++) {
        const struct ArrowArray *array = &arrays[a];
        for (int64_t row = 0; row < array->length; row++) {
#if defined(__GNUC__)
            if (row + AHEAD < array->length) {
                __builtin_prefetch(&self->slots[slot_of(self, u64_at(array, row + AHEAD))], 1);
            }
#endif
            hashset_insert(self, u64_at(array, row));
        }
    }
    release_arrays(arrays, held);
    return 0;
}

static void
hashset_dealloc(HashSet *self)
{
    PyMem_RawFree(self->slots);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
hashset_mask(HashSet *self, PyObject *capsule)
{
    if (self->slots == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the HashSet was not made");
        return NULL;
    }
    Py_ssize_t held;
    int64_t rows;
    struct ArrowArray *arrays = u64_arrays(capsule, &held, &rows);
    if (arrays == NULL) {
        return NULL;
    }
    uint8_t *bits = PyMem_RawCalloc((size_t)(rows / 8 + 1), 1);
    if (bits == NULL) {
        release_arrays(arrays, held);
        return PyErr_NoMemory();
    }
    int64_t at = 0;
    for (Py_ssize_t a = 0; a < held; a++) {
        const struct ArrowArray *array = &arrays[a];
        for (int64_t row = 0; row < array->length; row++, at++) {
#if defined(__GNUC__)
            if (row + AHEAD < array->length) { /* the slots are scattered: ask a few ahead */
                __builtin_prefetch(&self->slots[slot_of(self, u64_at(array, row + AHEAD))]);
            }
#endif
            if (hashset_has(self, u64_at(array, row))) {
                bits[at >> 3] |= (uint8_t)(1u << (at & 7));
            }
        }
    }
    release_arrays(arrays, held);
    OutColumn *column = out_new("b", rows, bits, NULL, 0);
    return column == NULL ? NULL : out_capsule(column);
}

/* One column's values as one run of memory: the arrays of its stream, held until `flat_free`;
 * `values` points into the one array's buffer, or at a copy when there are several. */
typedef struct {
    struct ArrowArray *arrays;
    Py_ssize_t held;
    const void *values;
    void *copy;
    int64_t rows;
} Flat;

static void
flat_free(Flat *flat)
{
    release_arrays(flat->arrays, flat->held);
    PyMem_RawFree(flat->copy);
    memset(flat, 0, sizeof(*flat));
}

/* `flat` of the u64 (`numbers` 2) or u32 (1) column in `capsule`: 0, or -1 with an exception. */
static int
flat_read(PyObject *capsule, int numbers, Flat *flat)
{
    int kind = 0;
    memset(flat, 0, sizeof(*flat));
    int status = capsule_arrays(capsule, numbers, &kind, &flat->arrays, &flat->held);
    if (status != 0) {
        if (status > 0) {
            PyErr_SetString(PyExc_TypeError, numbers == 2 ? "a UInt64 column without nulls is needed"
                                                          : "a UInt32 column without nulls is needed");
        }
        return -1;
    }
    size_t width = numbers == 2 ? sizeof(uint64_t) : sizeof(uint32_t);
    for (Py_ssize_t a = 0; a < flat->held; a++) {
        flat->rows += flat->arrays[a].length;
    }
    if (flat->held == 1) {
        flat->values = (const char *)flat->arrays[0].buffers[1] + (size_t)flat->arrays[0].offset * width;
        return 0;
    }
    char *copy = flat->copy = PyMem_RawMalloc((size_t)(flat->rows ? flat->rows : 1) * width);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int64_t at = 0;
    for (Py_ssize_t a = 0; a < flat->held; a++) {
        memcpy(copy + (size_t)at * width,
               (const char *)flat->arrays[a].buffers[1] + (size_t)flat->arrays[a].offset * width,
               (size_t)flat->arrays[a].length * width);
        at += flat->arrays[a].length;
    }
    flat->values = copy;
    return 0;
}

/* Whether `count` values rise strictly (sorted, each once). */
static int
strictly_rising(const uint64_t *values, int64_t count)
{
    int fall = 0;
    for (int64_t i = 1; i < count; i++) {
        fall |= values[i] <= values[i - 1];
    }
    return !fall;
}

PyObject *
sorted_runs(PyObject *Py_UNUSED(module), PyObject *capsule)
{
    Flat flat;
    if (flat_read(capsule, 2, &flat) < 0) {
        flat_free(&flat);
        return NULL;
    }
    int64_t rows = flat.rows;
    if (rows > (int64_t)UINT32_MAX) { /* a count is a u32 */
        flat_free(&flat);
        PyErr_SetString(PyExc_OverflowError, "more values than u32 counts hold");
        return NULL;
    }
    uint64_t *values = flat.copy; /* sorted in place: a copy of its own */
    if (values != NULL) {
        flat.copy = NULL;
    }
    else if ((values = PyMem_RawMalloc((size_t)(rows ? rows : 1) * sizeof(uint64_t))) != NULL) {
        memcpy(values, flat.values, (size_t)rows * sizeof(uint64_t));
    }
    flat_free(&flat);
    /* the counts are made once the sort has let go of its spare copy (memory at the peak) */
    uint32_t *counts = NULL;
    if (values == NULL || radix_sort(values, (Py_ssize_t)rows) < 0 ||
        (counts = PyMem_RawMalloc((size_t)(rows ? rows : 1) * sizeof(uint32_t))) == NULL) {
        PyMem_RawFree(values);
        return PyErr_NoMemory();
    }
    int64_t runs = 0;
    for (int64_t i = 0; i < rows; i++) {
        if (runs && values[i] == values[runs - 1]) {
            counts[runs - 1]++;
        }
        else {
            values[runs] = values[i];
            counts[runs++] = 1;
        }
    }
    if (runs < rows) { /* repeats: give back the room they took (a smaller block, moved) */
        uint64_t *fewer = PyMem_RawRealloc(values, (size_t)(runs ? runs : 1) * sizeof(uint64_t));
        uint32_t *fewer_counts = PyMem_RawRealloc(counts, (size_t)(runs ? runs : 1) * sizeof(uint32_t));
        values = fewer != NULL ? fewer : values;
        counts = fewer_counts != NULL ? fewer_counts : counts;
    }
    OutColumn *distinct = out_new("L", runs, values, NULL, 0);
    return out_pair(distinct, out_new("I", runs, counts, NULL, 0));
}

PyObject *
sorted_common(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *mine_capsule, *theirs_capsule, *weights_capsule;
    if (!PyArg_ParseTuple(args, "OOO:sorted_common", &mine_capsule, &theirs_capsule,
                          &weights_capsule)) {
        return NULL;
    }
    Flat mine = {0}, theirs = {0}, weights = {0};
    PyObject *result = NULL;
    if (flat_read(mine_capsule, 2, &mine) < 0 || flat_read(theirs_capsule, 2, &theirs) < 0 ||
        (weights_capsule != Py_None && flat_read(weights_capsule, 1, &weights) < 0)) {
        goto done;
    }
    if (weights_capsule != Py_None && weights.rows != mine.rows) {
        PyErr_SetString(PyExc_ValueError, "one weight a value is needed");
        goto done;
    }
    const uint64_t *a = mine.values, *b = theirs.values;
    if (!strictly_rising(a, mine.rows) || !strictly_rising(b, theirs.rows)) {
        PyErr_SetString(PyExc_ValueError, "the values must be sorted and distinct");
        goto done;
    }
    /* a merge without branches (which side moves is a coin toss: mispredicted half the time) */
    const uint32_t *w = weights.values;
    uint64_t total = 0;
    int64_t i = 0, j = 0;
    while (i < mine.rows && j < theirs.rows) {
        uint64_t x = a[i], y = b[j];
        total += x == y ? (w != NULL ? w[i] : 1) : 0;
        i += x <= y;
        j += y <= x;
    }
    result = PyLong_FromUnsignedLongLong(total);
done:
    flat_free(&mine);
    flat_free(&theirs);
    flat_free(&weights);
    return result;
}

static Py_ssize_t
hashset_len(HashSet *self)
{
    return self->count;
}

static PyMethodDef hashset_methods[] = {
    {"mask", (PyCFunction)hashset_mask, METH_O,
     "Per value of a UInt64 Arrow stream, whether the set holds it (a boolean stream)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods hashset_sequence = {
    .sq_length = (lenfunc)hashset_len,
};

PyTypeObject HashSetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "authprobe.analysis.crosscheck._steps.HashSet",
    .tp_doc = "64-bit values held for membership tests (see _steps_members.c).",
    .tp_basicsize = sizeof(HashSet),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)hashset_init,
    .tp_dealloc = (destructor)hashset_dealloc,
    .tp_methods = hashset_methods,
    .tp_as_sequence = &hashset_sequence,
};
