/*
 * Reading polars columns in C through the Arrow C stream interface (a PyCapsule
 * "arrow_array_stream", from `Series.__arrow_c_stream__()`): the C structs of the Arrow C data
 * interface, one value of a text array, and the arrays of a stream. Included by
 * the C files that read polars columns (each its own copy: static inline).
 */
#ifndef AUTHPROBE_ARROW_IN_H
#define AUTHPROBE_ARROW_IN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

/* What a stream's arrays hold: text as views ("vu", polars' own), large text ("U"), u32 ("I"),
 * u64 ("L"). */
enum { KIND_VIEW, KIND_LARGE, KIND_U32, KIND_U64 };

/* One value of one text array: its bytes and size. */
static inline const char *
value_at(const struct ArrowArray *array, int kind, int64_t row, int64_t *size)
{
    int64_t at = array->offset + row;
    if (kind == KIND_VIEW) {
        const char *view = (const char *)array->buffers[1] + 16 * at;
        int32_t length, buffer, offset;
        memcpy(&length, view, 4);
        *size = length;
        if (length <= 12) {
            return view + 4;
        }
        memcpy(&buffer, view + 8, 4);
        memcpy(&offset, view + 12, 4);
        return (const char *)array->buffers[2 + buffer] + offset;
    }
    const int64_t *offsets = array->buffers[1];
    *size = offsets[at + 1] - offsets[at];
    return (const char *)array->buffers[2] + offsets[at];
}

/* One value of a u32 array. */
static inline uint32_t
u32_at(const struct ArrowArray *array, int64_t row)
{
    return ((const uint32_t *)array->buffers[1])[array->offset + row];
}

/* One value of a u64 array. */
static inline uint64_t
u64_at(const struct ArrowArray *array, int64_t row)
{
    return ((const uint64_t *)array->buffers[1])[array->offset + row];
}

/* The arrays of `stream`, read into `*arrays` (`*held` of them, each released by the caller),
 * and their kind. Returns 0; 1 when the stream is not text (or, with `numbers`, u32; with
 * `numbers` 2, u64) without nulls; -1 on an error (an exception set). */
static inline int
read_arrays(struct ArrowArrayStream *stream, int numbers, int *kind, struct ArrowArray **arrays,
            Py_ssize_t *held)
{
    struct ArrowSchema schema;
    if (stream->release == NULL || stream->get_schema(stream, &schema) != 0) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream has no schema");
        return -1;
    }
    const char *format = schema.format;
    if (numbers == 2) {
        *kind = strcmp(format, "L") == 0 ? KIND_U64 : -1;
    }
    else if (numbers) {
        *kind = strcmp(format, "I") == 0 ? KIND_U32 : -1;
    }
    else {
        *kind = strcmp(format, "vu") == 0  ? KIND_VIEW
                : strcmp(format, "U") == 0 ? KIND_LARGE
                                           : -1;
    }
    if (schema.release != NULL) {
        schema.release(&schema);
    }
    if (*kind < 0) {
        return 1;
    }
    Py_ssize_t room = 0;
    for (;;) {
        if (*held == room) {
            room = room ? 2 * room : 8;
            struct ArrowArray *grown = PyMem_RawRealloc(*arrays, (size_t)room * sizeof(**arrays));
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            *arrays = grown;
        }
        struct ArrowArray *array = &(*arrays)[*held];
        if (stream->get_next(stream, array) != 0) {
            PyErr_SetString(PyExc_ValueError, "the Arrow stream failed");
            return -1;
        }
        if (array->release == NULL) {
            return 0;
        }
        ++*held;
        if (array->null_count != 0 && array->buffers[0] != NULL) {
            return 1; /* nulls: not for these kernels */
        }
    }
}

/* `read_arrays` of the stream in a PyCapsule "arrow_array_stream" (from
 * `__arrow_c_stream__()`): the same returns, -1 too when it is no such capsule. */
static inline int
capsule_arrays(PyObject *capsule, int numbers, int *kind, struct ArrowArray **arrays,
               Py_ssize_t *held)
{
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) {
        return -1;
    }
    return read_arrays(stream, numbers, kind, arrays, held);
}

/* Release the arrays `read_arrays` read, and their room. */
static inline void
release_arrays(struct ArrowArray *arrays, Py_ssize_t held)
{
    for (Py_ssize_t a = 0; a < held; a++) {
        if (arrays[a].release != NULL) {
            arrays[a].release(&arrays[a]);
        }
    }
    PyMem_RawFree(arrays);
}

#endif
