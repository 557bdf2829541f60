/*
 * authprobe.analysis.crosscheck._steps: the pair discovery's fully normalised value sets,
 * made while the records are collected (authprobe/analysis/crosscheck/discovery.py).
 *
 * (The module's second file, `_steps_columns.c`, runs the steps on whole polars
 * columns; `_steps.h` is what the two share.)
 *
 * Pair discovery asks, for every SIS field and directory attribute, the set of its values
 * once every normalisation step is applied (`analysis/normalize.py`), as sorted distinct 64-bit
 * hashes. In polars that is five vector kernels over every value of every field (most of the
 * cross-check's time at a million records); here each value is normalised and hashed once, as
 * it is collected:
 *
 *     Normalised(steps, fallback)
 *     .add(texts)       normalise and hash every str of the list `texts`, or every value of
 *                       an Arrow text stream (a PyCapsule, from polars' `__arrow_c_stream__`)
 *     .finish() -> int  sort the hashes and drop repeats; returns how many are left
 *     .changed          bit mask of the steps that changed at least one value
 *     .non_ascii        how many values added were not ASCII (normalised by the fallback)
 *     len()             hashes held (after finish(): distinct values)
 *     overlap(small, large, limit) -> int
 *                       how many of the first `limit` of `small`'s sorted distinct hashes are
 *                       in `large` (both finished)
 *
 * `steps` is a bit mask (STEP_* below, in the order the steps are applied). An ASCII value is
 * normalised here, exactly as Python's str methods do on ASCII (normalize.py says what each
 * step does); any other value is given to `fallback(value)`, which returns the normalised value
 * and the mask of the steps that changed it (Python's own steps). The hashes are this module's
 * (equal values, equal hashes; no other meaning), so sets from here are only compared with
 * sets from here. Repeated values are dropped as the hashes grow (sort and unique every time
 * the number held doubles), so a field of few distinct values holds few hashes; once a sort
 * keeps more than three quarters of them (mostly distinct values), they are sorted again only
 * by finish().
 */
#include "_steps.h"
#include "../../_arrow_in.h"


#define COMPACT_MIN 65536 /* hashes held before the first sort and unique */
#define PREFETCH 24       /* values read ahead (each is a separate object in memory) */

typedef struct {
    PyObject_HEAD
    uint64_t *hashes;
    Py_ssize_t count;
    Py_ssize_t capacity;
    Py_ssize_t compacted; /* count after the last sort and unique */
    int distinct;         /* the last sort and unique kept most hashes: no more until finish() */
    int steps;
    int changed;
    Py_ssize_t non_ascii; /* values given to the fallback */
    PyObject *fallback;
    char *work; /* one value's bytes while it is normalised */
    Py_ssize_t work_size;
} Normalised;

/* ---- hashing: 8 bytes at a time, then murmur3's finaliser (well spread for the sketch) ---- */

static inline uint64_t
fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t
rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t
hash_bytes(const char *data, Py_ssize_t size)
{
    const uint64_t k1 = 0x87c37b91114253d5ULL, k2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0x5EEDULL ^ ((uint64_t)size * 0x9E3779B97F4A7C15ULL);
    Py_ssize_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t word;
        memcpy(&word, data + i, 8);
        word *= k1;
        word = rotl64(word, 31);
        word *= k2;
        h ^= word;
        h = rotl64(h, 27) * 5 + 0x52dce729;
    }
    uint64_t tail = 0;
    for (Py_ssize_t j = size - 1; j >= i; j--) {
        tail = (tail << 8) | (unsigned char)data[j];
    }
    tail *= k2;
    tail = rotl64(tail, 33);
    tail *= k1;
    h ^= tail;
    return fmix64(h);
}

/* ---- sorting (radix_sort, _steps.h), then dropping repeats ---- */

static Py_ssize_t
sort_unique(uint64_t *values, Py_ssize_t count)
{
    if (radix_sort(values, count) < 0) {
        return -1;
    }
    Py_ssize_t kept = count ? 1 : 0;
    for (Py_ssize_t i = 1; i < count; i++) {
        if (values[i] != values[kept - 1]) {
            values[kept++] = values[i];
        }
    }
    return kept;
}

static int
compact(Normalised *self)
{
    Py_ssize_t kept = sort_unique(self->hashes, self->count);
    if (kept < 0) {
        PyErr_NoMemory();
        return -1;
    }
    /* a field whose values are mostly distinct (identifiers) gains nothing from sorting again
     * as it grows: its hashes are sorted once more at finish() (memory: 8 bytes a value) */
    self->distinct = kept > self->count / 4 * 3;
    self->count = self->compacted = kept;
    return 0;
}

/* ---- the type ---- */

static int
normalised_init(Normalised *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"steps", "fallback", NULL};
    int steps;
    PyObject *fallback;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iO", keywords, &steps, &fallback)) {
        return -1;
    }
    if (steps & ~STEP_ALL) {
        PyErr_SetString(PyExc_ValueError, "unknown step in the mask");
        return -1;
    }
    if (!PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "fallback must be callable");
        return -1;
    }
    self->steps = steps;
    Py_INCREF(fallback);
    Py_XSETREF(self->fallback, fallback);
    return 0;
}

static void
normalised_dealloc(Normalised *self)
{
    PyMem_RawFree(self->hashes);
    PyMem_RawFree(self->work);
    Py_XDECREF(self->fallback);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The hash of one non-ASCII value, normalised by the fallback; -1 and an exception on error. */
static int
hash_by_fallback(Normalised *self, PyObject *value, uint64_t *hash)
{
    PyObject *found = PyObject_CallOneArg(self->fallback, value);
    if (found == NULL) {
        return -1;
    }
    PyObject *text;
    int mask;
    if (!PyArg_ParseTuple(found, "Ui", &text, &mask)) {
        Py_DECREF(found);
        return -1;
    }
    Py_ssize_t size;
    const char *data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == NULL) {
        Py_DECREF(found);
        return -1;
    }
    *hash = hash_bytes(data, size);
    self->changed |= mask & self->steps;
    Py_DECREF(found);
    return 0;
}

static int
reserve(Normalised *self, Py_ssize_t more)
{
    if (self->count + more <= self->capacity) {
        return 0;
    }
    Py_ssize_t capacity = self->capacity ? self->capacity : 1024;
    while (capacity < self->count + more) {
        capacity *= 2;
    }
    uint64_t *grown = PyMem_RawRealloc(self->hashes, (size_t)capacity * sizeof(uint64_t));
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->hashes = grown;
    self->capacity = capacity;
    return 0;
}

/* The hash of `length` ASCII bytes, normalised (a copy, in `work`); -1 with MemoryError. */
static int
hash_ascii(Normalised *self, const char *data, Py_ssize_t length, uint64_t *hash)
{
    if (length > self->work_size) {
        char *work = PyMem_RawRealloc(self->work, (size_t)length);
        if (work == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->work = work;
        self->work_size = length;
    }
    memcpy(self->work, data, (size_t)length);
    length = normalise_ascii(self->work, length, self->steps, &self->changed);
    *hash = hash_bytes(self->work, length);
    return 0;
}

/* Compact once the hashes held have doubled since the last time; -1 on error. */
static int
maybe_compact(Normalised *self)
{
    if (!self->distinct && self->count >= COMPACT_MIN && self->count >= 2 * self->compacted) {
        return compact(self);
    }
    return 0;
}

/* add(stream): every value of a text column (an Arrow stream capsule, polars' own views or
 * large text, no nulls); a value that is not ASCII is decoded and given to the fallback. */
static PyObject *
add_stream(Normalised *self, PyObject *capsule)
{
    struct ArrowArray *arrays = NULL;
    int kind = 0;
    Py_ssize_t held = 0;
    int status = capsule_arrays(capsule, 0, &kind, &arrays, &held);
    if (status > 0) {
        PyErr_SetString(PyExc_TypeError, "add() takes a text column without nulls");
    }
    for (Py_ssize_t a = 0; a < held && status == 0; a++) {
        if (reserve(self, (Py_ssize_t)arrays[a].length) < 0) {
            status = -1;
        }
        for (int64_t row = 0; row < arrays[a].length && status == 0; row++) {
            int64_t size;
            const char *value = value_at(&arrays[a], kind, row, &size);
            uint64_t hash;
            if (ascii_bytes(value, size)) {
                status = hash_ascii(self, value, (Py_ssize_t)size, &hash);
            }
            else {
                self->non_ascii++;
                PyObject *text = PyUnicode_DecodeUTF8(value, (Py_ssize_t)size, "strict");
                status = text == NULL ? -1 : hash_by_fallback(self, text, &hash);
                Py_XDECREF(text);
                if (status == 0 && reserve(self, 1) < 0) {
                    status = -1;
                }
            }
            if (status == 0) {
                self->hashes[self->count++] = hash;
            }
        }
    }
    release_arrays(arrays, held);
    if (status != 0 || maybe_compact(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
normalised_add(Normalised *self, PyObject *texts)
{
    if (PyCapsule_CheckExact(texts)) {
        return add_stream(self, texts);
    }
    if (!PyList_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "texts must be a list of str or an Arrow text stream");
        return NULL;
    }
    Py_ssize_t size = PyList_GET_SIZE(texts);
    if (reserve(self, size) < 0) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++) {
        PyObject *value = PyList_GET_ITEM(texts, i);
#if defined(__GNUC__)
        /* the values are scattered in memory: ask for those a few steps ahead */
        if (i + PREFETCH < PyList_GET_SIZE(texts)) {
            const char *ahead = (const char *)PyList_GET_ITEM(texts, i + PREFETCH);
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + 64);
        }
#endif
        if (!PyUnicode_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a list of str");
            return NULL;
        }
        uint64_t hash;
        if (PyUnicode_IS_ASCII(value)) {
            if (hash_ascii(self, PyUnicode_DATA(value), PyUnicode_GET_LENGTH(value), &hash) < 0) {
                return NULL;
            }
        }
        else {
            self->non_ascii++;
            Py_INCREF(value); /* the fallback may change the list */
            int failed = hash_by_fallback(self, value, &hash);
            Py_DECREF(value);
            if (failed) {
                return NULL;
            }
            if (reserve(self, 1) < 0) {
                return NULL;
            }
        }
        self->hashes[self->count++] = hash;
    }
    if (maybe_compact(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
normalised_finish(Normalised *self, PyObject *Py_UNUSED(ignored))
{
    if (self->count != self->compacted && compact(self) < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t(self->count);
}

static Py_ssize_t
normalised_len(Normalised *self)
{
    return self->count;
}

static PyObject *
normalised_changed(Normalised *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->changed);
}

static PyMethodDef normalised_methods[] = {
    {"add", (PyCFunction)normalised_add, METH_O,
     "Normalise and hash every str of a list."},
    {"finish", (PyCFunction)normalised_finish, METH_NOARGS,
     "Sort the hashes and drop repeats; returns how many are left."},
    {NULL, NULL, 0, NULL},
};

static PyObject *
normalised_non_ascii(Normalised *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->non_ascii);
}

static PyGetSetDef normalised_getset[] = {
    {"changed", (getter)normalised_changed, NULL,
     "Bit mask of the steps that changed at least one value.", NULL},
    {"non_ascii", (getter)normalised_non_ascii, NULL,
     "How many of the values added were not ASCII.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods normalised_sequence = {
    .sq_length = (lenfunc)normalised_len,
};

static PyTypeObject NormalisedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "authprobe.analysis.crosscheck._steps.Normalised",
    .tp_doc = "One field's values, fully normalised, as 64-bit hashes.",
    .tp_basicsize = sizeof(Normalised),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)normalised_init,
    .tp_dealloc = (destructor)normalised_dealloc,
    .tp_methods = normalised_methods,
    .tp_getset = normalised_getset,
    .tp_as_sequence = &normalised_sequence,
};

/* ---- overlap ---- */

static Py_ssize_t
lower_bound(const uint64_t *values, Py_ssize_t count, uint64_t wanted)
{
    Py_ssize_t low = 0, high = count;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (values[middle] < wanted) {
            low = middle + 1;
        }
        else {
            high = middle;
        }
    }
    return low;
}

static PyObject *
overlap(PyObject *Py_UNUSED(module), PyObject *args)
{
    Normalised *small, *large;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!O!n", &NormalisedType, &small, &NormalisedType, &large,
                          &limit)) {
        return NULL;
    }
    if (small->count != small->compacted || large->count != large->compacted) {
        PyErr_SetString(PyExc_ValueError, "overlap() of a set not finished");
        return NULL;
    }
    Py_ssize_t wanted = limit < small->count ? limit : small->count;
    if (wanted < 0) {
        wanted = 0;
    }
    const uint64_t *a = small->hashes, *b = large->hashes;
    Py_ssize_t hits = 0, nb = large->count;
    if (wanted * 24 < nb) { /* few probes: binary search each */
        for (Py_ssize_t i = 0; i < wanted; i++) {
            Py_ssize_t at = lower_bound(b, nb, a[i]);
            hits += at < nb && b[at] == a[i];
        }
    }
    else { /* a merge of the two sorted runs */
        Py_ssize_t i = 0, j = 0;
        while (i < wanted && j < nb) {
            if (a[i] < b[j]) {
                i++;
            }
            else if (b[j] < a[i]) {
                j++;
            }
            else {
                hits++;
                i++;
                j++;
            }
        }
    }
    return PyLong_FromSsize_t(hits);
}

static PyMethodDef module_methods[] = {
    {"overlap", overlap, METH_VARARGS,
     "overlap(small, large, limit): how many of small's first `limit` hashes large holds."},
    {"step_column", step_column, METH_VARARGS,
     "step_column(stream, steps) -> (stream | None, changed) | None: steps on a text column."},
    {"sorted_runs", sorted_runs, METH_O,
     "sorted_runs(stream) -> (distinct, holders): u64 values sorted, each once, and how often."},
    {"sorted_common", sorted_common, METH_VARARGS,
     "sorted_common(mine, theirs, weights) -> int: mine's values theirs holds (sorted, distinct)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "authprobe.analysis.crosscheck._steps",
    .m_doc = "The pair discovery's fully normalised value sets (see discovery.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__steps(void)
{
    if (PyType_Ready(&NormalisedType) < 0 || PyType_Ready(&HashSetType) < 0) {
        return NULL;
    }
    PyObject *created = PyModule_Create(&module);
    if (created == NULL) {
        return NULL;
    }
    Py_INCREF(&NormalisedType);
    if (PyModule_AddObject(created, "Normalised", (PyObject *)&NormalisedType) < 0) {
        Py_DECREF(&NormalisedType);
        Py_DECREF(created);
        return NULL;
    }
    Py_INCREF(&HashSetType);
    if (PyModule_AddObject(created, "HashSet", (PyObject *)&HashSetType) < 0) {
        Py_DECREF(&HashSetType);
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
