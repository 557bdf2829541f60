/*
 * authprobe.analysis.crosscheck._steps, continued: normalisation steps on a whole text column,
 * through the Arrow C stream interface.
 *
 * step_column(stream, steps) -> (stream | None, changed) | None
 *
 * `stream` is a PyCapsule "arrow_array_stream" (polars: `Series.__arrow_c_stream__()`) of
 * text ("vu", polars' own, or "U"), without nulls; `steps` a mask of STEP_* bits (_steps.h).
 * Each ASCII value is normalised by those steps, in order, exactly as Python's str methods do
 * on ASCII (normalize.py); a value that is not ASCII is copied as it is: the caller
 * overwrites those with Python's own steps (kernels.py). Returns a capsule of one text-view
 * ("vu") array, polars' own layout (taken without a copy), and the mask of the steps that
 * changed some ASCII value; the capsule is None when nothing changed (the column stays as it
 * is). None for anything else (another type, nulls): the caller uses polars.
 */

#include "_steps.h"
#include "../../_arrow_out.h"

PyObject *
step_column(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *capsule;
    int steps;
    if (!PyArg_ParseTuple(args, "Oi:step_column", &capsule, &steps)) {
        return NULL;
    }
    if (steps & ~STEP_ALL) {
        PyErr_SetString(PyExc_ValueError, "unknown step in the mask");
        return NULL;
    }
    struct ArrowArray *arrays = NULL;
    int kind = 0;
    Py_ssize_t count = 0;
    int status = capsule_arrays(capsule, 0, &kind, &arrays, &count);
    PyObject *result = NULL;
    char *views = NULL, *data = NULL, *work = NULL;
    if (status) {
        if (status > 0) {
            result = Py_NewRef(Py_None);
        }
        goto done;
    }
    /* the steps only shorten a value: the longer values' bytes bound the data buffer */
    int64_t rows = 0, bytes = 0, longest = 0;
    for (Py_ssize_t a = 0; a < count; a++) {
        for (int64_t row = 0; row < arrays[a].length; row++) {
            int64_t size;
            value_at(&arrays[a], kind, row, &size);
            bytes += size > 12 ? size : 0;
            longest = size > longest ? size : longest;
        }
        rows += arrays[a].length;
    }
    if (bytes > INT32_MAX) { /* a view's offset is an int32: polars' own kernels then */
        result = Py_NewRef(Py_None);
        goto done;
    }
    views = PyMem_RawMalloc((size_t)(rows ? rows : 1) * 16);
    data = PyMem_RawMalloc((size_t)(bytes ? bytes : 1));
    work = PyMem_RawMalloc((size_t)(longest ? longest : 1));
    if (views == NULL || data == NULL || work == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int changed = 0;
    int64_t at = 0, written = 0;
    for (Py_ssize_t a = 0; a < count; a++) {
        for (int64_t row = 0; row < arrays[a].length; row++, at++) {
            int64_t size;
            const char *value = value_at(&arrays[a], kind, row, &size);
            if (ascii_bytes(value, size)) {
                memcpy(work, value, (size_t)size);
                size = normalise_ascii(work, (Py_ssize_t)size, steps, &changed);
                value = work;
            }
            out_view(views + 16 * at, value, (int32_t)size, data, &written);
        }
    }
    if (!changed) {
        result = Py_BuildValue("(Oi)", Py_None, 0);
        goto done;
    }
    OutColumn *column = out_new("vu", rows, views, data, written);
    views = NULL; /* the column owns them (or freed them) */
    data = NULL;
    PyObject *wrapped = column == NULL ? NULL : out_capsule(column);
    if (wrapped != NULL) {
        result = Py_BuildValue("(Ni)", wrapped, changed);
    }
done:
    release_arrays(arrays, count);
    PyMem_RawFree(views);
    PyMem_RawFree(data);
    PyMem_RawFree(work);
    return result;
}
