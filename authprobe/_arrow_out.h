/*
 * Handing a column made in C to polars through the Arrow C stream interface: a PyCapsule
 * "arrow_array_stream" of one array, without nulls: large text ("U": int64 offsets and
 * bytes), text views ("vu": 16 bytes a value, the value itself when 12 bytes or fewer, else
 * its length, first 4 bytes and offset in one data buffer; polars' own layout, taken without
 * a copy), u32 ("I"), u64 ("L") or booleans ("b", one bit a value, the first in the lowest bit). polars
 * takes it with `pl.Series(obj)` where `obj.__arrow_c_stream__()` returns the capsule.
 * Included by the C files that hand columns to polars (each its own copy: static inline).
 */
#ifndef AUTHPROBE_ARROW_OUT_H
#define AUTHPROBE_ARROW_OUT_H

#include "_arrow_in.h"

/* One array made in C: owned by the stream until polars takes it, then by the array. */
typedef struct {
    const char *format; /* "U", "vu", "I", "L" or "b" */
    int64_t length;
    void *values; /* "U": length + 1 int64 offsets; "vu": the views; "I", "L": the numbers; "b": bits */
    char *data;   /* "U", "vu": the bytes (not NULL); "I", "L", "b": NULL */
    int64_t data_size; /* "vu": the bytes in `data` (the variadic buffer's size) */
    const void *buffers[4];
} OutColumn;

/* The stream's own state: the column until it is handed out, and its format. */
typedef struct {
    OutColumn *column;
    const char *format;
} OutStream;

static inline void
out_free(OutColumn *column)
{
    if (column != NULL) {
        PyMem_RawFree(column->values);
        PyMem_RawFree(column->data);
        PyMem_RawFree(column);
    }
}

/* A column of `length` rows owning `values` and `data` (PyMem_Raw memory; freed here when
 * this fails; `data_size`: "vu" only). NULL with MemoryError set on failure. */
static inline OutColumn *
out_new(const char *format, int64_t length, void *values, char *data, int64_t data_size)
{
    OutColumn *column = PyMem_RawCalloc(1, sizeof(OutColumn));
    if (column == NULL) {
        PyMem_RawFree(values);
        PyMem_RawFree(data);
        PyErr_NoMemory();
        return NULL;
    }
    column->format = format;
    column->length = length;
    column->values = values;
    column->data = data;
    column->data_size = data_size;
    return column;
}

/* Write one value as a 16-byte view at `view`: its length, then the value itself when 12 bytes
 * or fewer, else its first 4 bytes and its offset in data buffer 0, the value copied to
 * `data + *bytes` (`*bytes` grows by its size). The caller keeps `*bytes` within an int32. */
static inline void
out_view(char *view, const char *text, int32_t size, char *data, int64_t *bytes)
{
    memset(view, 0, 16);
    memcpy(view, &size, 4);
    if (size <= 12) {
        memcpy(view + 4, text, (size_t)size);
        return;
    }
    int32_t offset = (int32_t)*bytes;
    memcpy(view + 4, text, 4);
    memcpy(view + 12, &offset, 4);
    memcpy(data + *bytes, text, (size_t)size);
    *bytes += size;
}

static inline void
out_schema_release(struct ArrowSchema *schema)
{
    schema->release = NULL;
}

static inline void
out_array_release(struct ArrowArray *array)
{
    out_free(array->private_data);
    array->release = NULL;
}

static inline int
out_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out)
{
    OutStream *state = stream->private_data;
    memset(out, 0, sizeof(*out));
    out->format = state->format;
    out->name = "";
    out->flags = 2; /* ARROW_FLAG_NULLABLE */
    out->release = out_schema_release;
    return 0;
}

static inline int
out_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out)
{
    OutStream *state = stream->private_data;
    OutColumn *column = state->column;
    memset(out, 0, sizeof(*out));
    if (column == NULL) {
        return 0; /* the end: release left NULL */
    }
    state->column = NULL; /* the array owns the column now */
    column->buffers[0] = NULL;
    column->buffers[1] = column->values;
    column->buffers[2] = column->data;
    column->buffers[3] = &column->data_size; /* views: the variadic buffers' sizes */
    out->length = column->length;
    out->n_buffers = column->format[0] == 'U' ? 3 : column->format[0] == 'v' ? 4 : 2;
    out->buffers = column->buffers;
    out->release = out_array_release;
    out->private_data = column;
    return 0;
}

static const char *
out_last_error(struct ArrowArrayStream *stream)
{
    (void)stream;
    return NULL;
}

static inline void
out_stream_release(struct ArrowArrayStream *stream)
{
    OutStream *state = stream->private_data;
    if (state != NULL) {
        out_free(state->column);
        PyMem_RawFree(state);
    }
    stream->private_data = NULL;
    stream->release = NULL;
}

static inline void
out_capsule_release(PyObject *capsule)
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

/* A capsule "arrow_array_stream" owning `column` (freed here when this fails): a new
 * reference, or NULL with an exception set. */
static inline PyObject *
out_capsule(OutColumn *column)
{
    struct ArrowArrayStream *stream = PyMem_RawCalloc(1, sizeof(*stream));
    OutStream *state = PyMem_RawCalloc(1, sizeof(*state));
    if (stream == NULL || state == NULL) {
        PyMem_RawFree(stream);
        PyMem_RawFree(state);
        out_free(column);
        return PyErr_NoMemory();
    }
    state->column = column;
    state->format = column->format;
    stream->get_schema = out_get_schema;
    stream->get_next = out_get_next;
    stream->get_last_error = out_last_error;
    stream->release = out_stream_release;
    stream->private_data = state;
    PyObject *capsule = PyCapsule_New(stream, "arrow_array_stream", out_capsule_release);
    if (capsule == NULL) {
        out_stream_release(stream);
        PyMem_RawFree(stream);
    }
    return capsule;
}

/* A tuple of two capsules owning `first` and `second` (either NULL: out_new failed, its
 * exception set; both are freed here on failure): a new reference, or NULL. */
static inline PyObject *
out_pair(OutColumn *first, OutColumn *second)
{
    if (first == NULL || second == NULL) {
        out_free(first);
        out_free(second);
        return NULL;
    }
    PyObject *one = out_capsule(first); /* each frees its column when it fails */
    PyObject *two = out_capsule(second);
    if (one == NULL || two == NULL) {
        Py_XDECREF(one);
        Py_XDECREF(two);
        return NULL;
    }
    return Py_BuildValue("(NN)", one, two);
}

#endif
