/*
 * authprobe.analysis._profile, continued: `shape_column`, the shapes of a polars column's
 * distinct values read through the Arrow C stream interface (see _profile.c's summary).
 */

#include "_profile.h"
#include "../_arrow_in.h"

/* The non-ASCII value p[:n] of a column (UTF-8): its shape and awkwardness by `fallback` (as
 * shape_one), its length in characters. */
static PyObject *
shape_decoded(const char *p, int64_t n, PyObject *fallback, int *awkward, int *fold,
              Py_ssize_t *length)
{
    PyObject *value = PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");
    if (value == NULL)
        return NULL;
    *length = PyUnicode_GET_LENGTH(value);
    PyObject *shape = shape_one(value, fallback, awkward, fold);
    Py_DECREF(value);
    return shape;
}

PyObject *
shape_column(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *values_capsule, *counts_capsule, *fallback;
    if (!PyArg_ParseTuple(args, "OOO:shape_column", &values_capsule, &counts_capsule, &fallback))
        return NULL;
    struct ArrowArray *values = NULL, *counts = NULL;
    Py_ssize_t n_values = 0, n_counts = 0;
    int kind = 0, count_kind = 0;
    PyObject *result = NULL, *shapes = NULL;
    Recent recent = {.used = 0};
    char *out = NULL;
    size_t room = 0;
    int status = capsule_arrays(values_capsule, 0, &kind, &values, &n_values);
    if (status == 0 && counts_capsule != Py_None)
        status = capsule_arrays(counts_capsule, 1, &count_kind, &counts, &n_counts);
    if (status != 0) {
        if (status > 0)
            result = Py_NewRef(Py_None);
        goto done;
    }
    int64_t rows = 0, counted = 0;
    for (Py_ssize_t a = 0; a < n_values; a++)
        rows += values[a].length;
    for (Py_ssize_t a = 0; a < n_counts; a++)
        counted += counts[a].length;
    if (counts_capsule != Py_None && counted != rows) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    shapes = PyDict_New();
    if (shapes == NULL)
        goto done;
    long long awkward = 0;
    Py_ssize_t shortest = PY_SSIZE_T_MAX, longest = -1;
    int fold = 0;
    Py_ssize_t count_array = 0;
    int64_t count_row = 0;
    for (Py_ssize_t a = 0; a < n_values; a++) {
        for (int64_t row = 0; row < values[a].length; row++) {
            int64_t size;
            const unsigned char *value =
                (const unsigned char *)value_at(&values[a], kind, row, &size);
            uint32_t count = 1;
            if (counts != NULL) {
                while (count_row == counts[count_array].length) {
                    count_array++;
                    count_row = 0;
                }
                count = u32_at(&counts[count_array], count_row++);
            }
            int bad = 0;
            Py_ssize_t length = (Py_ssize_t)size;
            if (ascii_bytes((const char *)value, size)) {
                if (shape_ascii(value, (Py_ssize_t)size, count, &recent, shapes, &out, &room,
                                &bad, &fold) < 0)
                    goto done;
            }
            else {
                PyObject *shape =
                    shape_decoded((const char *)value, size, fallback, &bad, &fold, &length);
                int rc = shape == NULL ? -1 : bump_by(shapes, shape, count);
                Py_XDECREF(shape);
                if (rc < 0)
                    goto done;
            }
            if (bad)
                awkward += count;
            if (length < shortest)
                shortest = length;
            if (length > longest)
                longest = length;
        }
    }
    if (recent_flush(&recent, shapes) < 0)
        goto done;
    if (longest < 0)
        result = Py_BuildValue("(OiOOO)", shapes, 0, Py_None, Py_None, Py_False);
    else
        result = Py_BuildValue("(OLnnO)", shapes, awkward, shortest, longest,
                               fold ? Py_True : Py_False);
done:
    for (int i = 0; i < recent.used; i++) /* an error came first: let the shapes go */
        Py_DECREF(recent.shape[i]);
    PyMem_Free(out);
    Py_XDECREF(shapes);
    release_arrays(values, n_values);
    release_arrays(counts, n_counts);
    return result;
}

