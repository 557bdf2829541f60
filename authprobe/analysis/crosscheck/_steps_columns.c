/*
 * authprobe.analysis.crosscheck._steps, continued: the digits-only step on a whole text column,
 * through the Arrow C stream interface.
 *
 * digits_only_column(stream) -> (stream, changed) | None
 *
 * `stream` is a PyCapsule "arrow_array_stream" (polars: `Series.__arrow_c_stream__()`) of
 * text ("vu", polars' own, or "U", this function's), without nulls. Returns a capsule of the
 * same kind holding one large-text ("U") array: each ASCII value with four digits or more becomes its digits without
 * leading zeros ("0" when all were zeros), as normalize.digits_only does; every other value is
 * copied. A value that is not ASCII is copied too: the caller overwrites those with Python's
 * own step (kernels.py). `changed`: whether an ASCII value changed, or a non-ASCII value holds
 * four ASCII digits (what the polars kernel's mask reports). None for anything else (another
 * type, nulls): the caller uses polars.
 */

#include "_steps.h"
#include "../../_arrow_out.h"

/* digits-only of one value into `out` (room for `size` bytes); returns the new size. */
static inline int64_t
digits_of(const char *value, int64_t size, char *out, int *changed)
{
    int ascii = 1;
    for (int64_t i = 0; i < size && ascii; i++) {
        ascii = (unsigned char)value[i] < 0x80;
    }
    Py_ssize_t kept = keep_digits(value, size, out);
    if (kept < 0) {
        memcpy(out, value, (size_t)size);
        return size;
    }
    if (!ascii) { /* Python's own step redoes it; the polars mask counts it as changed */
        *changed = 1;
        memcpy(out, value, (size_t)size);
        return size;
    }
    *changed |= kept != size;
    return kept;
}

PyObject *
digits_only_column(PyObject *Py_UNUSED(module), PyObject *capsule)
{
    struct ArrowArray *arrays = NULL;
    int kind = 0;
    Py_ssize_t count = 0;
    int status = capsule_arrays(capsule, 0, &kind, &arrays, &count);
    PyObject *result = NULL;
    int64_t *offsets = NULL;
    char *data = NULL;
    if (status) {
        if (status > 0) {
            result = Py_NewRef(Py_None);
        }
        goto done;
    }
    int64_t rows = 0, bytes = 0;
    for (Py_ssize_t a = 0; a < count; a++) {
        for (int64_t row = 0; row < arrays[a].length; row++) {
            int64_t size;
            value_at(&arrays[a], kind, row, &size);
            bytes += size;
        }
        rows += arrays[a].length;
    }
    offsets = PyMem_RawMalloc((size_t)(rows + 1) * sizeof(int64_t));
    data = PyMem_RawMalloc((size_t)(bytes ? bytes : 1));
    if (offsets == NULL || data == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int changed = 0;
    int64_t at = 0, written = 0;
    offsets[0] = 0;
    for (Py_ssize_t a = 0; a < count; a++) {
        for (int64_t row = 0; row < arrays[a].length; row++) {
            int64_t size;
            const char *value = value_at(&arrays[a], kind, row, &size);
            written += digits_of(value, size, data + written, &changed);
            offsets[++at] = written;
        }
    }
    OutColumn *column = out_new("U", rows, offsets, data, 0);
    offsets = NULL; /* the column owns them (or freed them) */
    data = NULL;
    PyObject *wrapped = column == NULL ? NULL : out_capsule(column);
    if (wrapped != NULL) {
        result = Py_BuildValue("(NO)", wrapped, changed ? Py_True : Py_False);
    }
done:
    release_arrays(arrays, count);
    PyMem_RawFree(offsets);
    PyMem_RawFree(data);
    return result;
}

