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
#include "../../_arrow_in.h"

/* The result: one large-text array, owned by the stream until a consumer takes the array. */
typedef struct {
    int64_t *offsets;
    char *data;
    int64_t length;
    int given; /* the array was handed out */
    const void *buffers[3];
} Column;

static void
column_free(Column *column)
{
    if (column != NULL) {
        PyMem_RawFree(column->offsets);
        PyMem_RawFree(column->data);
        PyMem_RawFree(column);
    }
}

static void
schema_release(struct ArrowSchema *schema)
{
    schema->release = NULL;
}

static void
array_release(struct ArrowArray *array)
{
    column_free(array->private_data);
    array->release = NULL;
}

static int
stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out)
{
    (void)stream;
    memset(out, 0, sizeof(*out));
    out->format = "U";
    out->name = "";
    out->flags = 2; /* ARROW_FLAG_NULLABLE */
    out->release = schema_release;
    return 0;
}

static int
stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out)
{
    Column *column = stream->private_data;
    memset(out, 0, sizeof(*out));
    if (column == NULL || column->given) {
        return 0; /* the end: release left NULL */
    }
    column->given = 1;
    column->buffers[0] = NULL;
    column->buffers[1] = column->offsets;
    column->buffers[2] = column->data;
    out->length = column->length;
    out->n_buffers = 3;
    out->buffers = column->buffers;
    out->release = array_release;
    out->private_data = column;
    stream->private_data = NULL; /* the array owns the column now */
    return 0;
}

static const char *
stream_last_error(struct ArrowArrayStream *stream)
{
    (void)stream;
    return NULL;
}

static void
stream_release(struct ArrowArrayStream *stream)
{
    column_free(stream->private_data);
    stream->private_data = NULL;
    stream->release = NULL;
}

static void
capsule_release(PyObject *capsule)
{
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream != NULL) {
        if (stream->release != NULL) {
            stream->release(stream);
        }
        PyMem_RawFree(stream);
    }
    else {
        PyErr_Clear();
    }
}

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
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) {
        return NULL;
    }
    struct ArrowArray *arrays = NULL;
    int kind = 0;
    Py_ssize_t count = 0;
    int status = read_arrays(stream, 0, &kind, &arrays, &count);
    PyObject *result = NULL;
    Column *column = NULL;
    struct ArrowArrayStream *made = NULL;
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
    column = PyMem_RawCalloc(1, sizeof(Column));
    made = PyMem_RawCalloc(1, sizeof(*made));
    if (column == NULL || made == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    column->offsets = PyMem_RawMalloc((size_t)(rows + 1) * sizeof(int64_t));
    column->data = PyMem_RawMalloc((size_t)(bytes ? bytes : 1));
    if (column->offsets == NULL || column->data == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int changed = 0;
    int64_t at = 0, written = 0;
    column->offsets[0] = 0;
    for (Py_ssize_t a = 0; a < count; a++) {
        for (int64_t row = 0; row < arrays[a].length; row++) {
            int64_t size;
            const char *value = value_at(&arrays[a], kind, row, &size);
            written += digits_of(value, size, column->data + written, &changed);
            column->offsets[++at] = written;
        }
    }
    column->length = rows;
    made->get_schema = stream_get_schema;
    made->get_next = stream_get_next;
    made->get_last_error = stream_last_error;
    made->release = stream_release;
    made->private_data = column;
    column = NULL; /* the stream owns it */
    PyObject *wrapped = PyCapsule_New(made, "arrow_array_stream", capsule_release);
    if (wrapped == NULL) {
        stream_release(made);
        PyMem_RawFree(made);
        made = NULL;
        goto done;
    }
    made = NULL;
    result = Py_BuildValue("(NO)", wrapped, changed ? Py_True : Py_False);
done:
    release_arrays(arrays, count);
    column_free(column);
    PyMem_RawFree(made);
    return result;
}

