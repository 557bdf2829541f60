/*
 * authprobe.analysis._columns, continued: `SideIndex.add` of
 * authprobe/analysis/crosscheck/index.py in C (`IndexCollector`; the module docstring in
 * `_columns.c` says what it collects).
 *
 * Each collected field's record numbers and values are written into buffers of the field's
 * own (`Rows`: u32 numbers, and the values as polars holds text: 16-byte views, the bytes of
 * values longer than 12 in one data buffer), handed to polars by `take(field)` through the
 * Arrow C stream interface (`_arrow_out.h`) and taken without a copy: no Python object is
 * kept per value (a list of Python str costs polars 55-125 ns a value to read).
 */
#include "_columns.h"

#include "../_arrow_out.h"

enum { I_REFS, I_POPS, I_NAME_NUMBERS, I_NAME_TEXTS, N_INDEX_LISTS };

/* One collected field's rows since the last `take`. */
typedef struct {
    uint32_t *numbers;
    char *views; /* VIEW bytes a row */
    char *data;  /* the bytes of the values longer than INLINE */
    Py_ssize_t count, room;
    int64_t bytes, byte_room;
} Rows;

#define SEEN 64 /* a record's attribute positions whose field is remembered */

typedef struct {
    COUNTED_HEAD
    PyObject *slots, *info_kinds;
    PyObject *slot_of, *kind_of, *distinct;
    PyObject *lists[N_INDEX_LISTS];
    PyObject *multi;
    Rows **rows; /* each field's, allocated apart: a field added later moves none */
    Py_ssize_t fields, fields_room;
    /* the field met at each of a record's first SEEN positions, and its rows (NULL: not
     * collected): a reader gives every record its names in one order, as the same objects,
     * so a name is known by its address without a lookup in `slots` */
    PyObject *seen_names[SEEN];
    Rows *seen_rows[SEEN];
} IndexCollector;

#define MAX_SEVERAL 16 /* values of one field in one record deduplicated here; more: Python */
#define FIRST_ROOM 1024
#define VIEW 16               /* bytes of one value's view */
#define INLINE 12             /* values this long or shorter are held in their view */
#define TAKE_BYTES (1 << 28)  /* a field's data past this asks for a flush (views: int32) */

static void
rows_free(Rows *rows)
{
    PyMem_RawFree(rows->numbers);
    PyMem_RawFree(rows->views);
    PyMem_RawFree(rows->data);
    rows->numbers = NULL;
    rows->views = NULL;
    rows->data = NULL;
    rows->count = rows->bytes = 0;
}

static void
index_dealloc(IndexCollector *self)
{
    Py_XDECREF(self->slots);
    Py_XDECREF(self->info_kinds);
    Py_XDECREF(self->slot_of);
    Py_XDECREF(self->kind_of);
    Py_XDECREF(self->distinct);
    Py_XDECREF(self->multi);
    for (int i = 0; i < N_INDEX_LISTS; i++) {
        Py_XDECREF(self->lists[i]);
    }
    for (int i = 0; i < SEEN; i++) {
        Py_XDECREF(self->seen_names[i]);
    }
    for (Py_ssize_t i = 0; i < self->fields; i++) {
        rows_free(self->rows[i]);
        PyMem_RawFree(self->rows[i]);
    }
    PyMem_RawFree(self->rows);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
index_init(IndexCollector *self, PyObject *args, PyObject *kwds)
{
    PyObject *slots, *info_kinds, *slot_of, *kind_of, *distinct, *lists, *multi;
    Py_ssize_t flush_every;
    static char *names[] = {"slots", "info_kinds", "slot_of", "kind_of", "distinct",
                            "lists", "flush_every", "multi", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!OOOO!nO!", names, &PyDict_Type, &slots,
                                     &PyDict_Type, &info_kinds, &slot_of, &kind_of, &distinct,
                                     &PyTuple_Type, &lists, &flush_every, &PyDict_Type, &multi)) {
        return -1;
    }
    if (columns_take_lists((Counted *)self, lists, self->lists, N_INDEX_LISTS, flush_every) < 0) {
        return -1;
    }
    PyObject *objects[] = {slots, info_kinds, slot_of, kind_of, distinct, multi};
    PyObject **fields[] = {&self->slots,   &self->info_kinds, &self->slot_of,
                           &self->kind_of, &self->distinct,   &self->multi};
    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        Py_INCREF(objects[i]);
        Py_XSETREF(*fields[i], objects[i]);
    }
    for (int i = 0; i < SEEN; i++) { /* another `slots`: what was seen no longer holds */
        Py_CLEAR(self->seen_names[i]);
    }
    return 0;
}

/* Room for one more row of `more` data bytes; -1 with MemoryError. The first room of a field
 * is the size of its last take (a flush's worth), so most fields grow only once. */
static int
rows_room(Rows *rows, int64_t more)
{
    if (rows->count == rows->room || rows->views == NULL) {
        Py_ssize_t room = rows->views == NULL ? (rows->room ? rows->room : FIRST_ROOM)
                                              : 2 * rows->room;
        uint32_t *numbers = PyMem_RawRealloc(rows->numbers, (size_t)room * sizeof(uint32_t));
        if (numbers == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rows->numbers = numbers;
        char *views = PyMem_RawRealloc(rows->views, (size_t)room * VIEW);
        if (views == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rows->views = views;
        rows->room = room;
    }
    if (rows->bytes + more > rows->byte_room || rows->data == NULL) {
        int64_t room = rows->data == NULL && rows->byte_room ? rows->byte_room : FIRST_ROOM * 16;
        while (room < rows->bytes + more) {
            room *= 2;
        }
        char *data = PyMem_RawRealloc(rows->data, (size_t)room);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rows->data = data;
        rows->byte_room = room;
    }
    return 0;
}

/* Append (number, value) to `rows`: 0, or -1 with an exception (a value that is not str, or
 * cannot be UTF-8: a lone surrogate, as polars refuses it). */
static int
rows_put(Rows *rows, Py_ssize_t number, PyObject *value)
{
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "a collected value must be str, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    if (number > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "more records than u32 record numbers hold");
        return -1;
    }
    Py_ssize_t size;
    const char *text;
    if (PyUnicode_IS_COMPACT_ASCII(value)) {
        text = (const char *)PyUnicode_DATA(value);
        size = PyUnicode_GET_LENGTH(value);
    }
    else if ((text = PyUnicode_AsUTF8AndSize(value, &size)) == NULL) {
        return -1;
    }
    if (rows->bytes + size > INT32_MAX) { /* a view's offset is an int32 */
        PyErr_SetString(PyExc_ValueError, "one field's values past 2 GB between two flushes");
        return -1;
    }
    int64_t more = size > INLINE ? size : 0;
    if (rows_room(rows, more) < 0) {
        return -1;
    }
    out_view(rows->views + (size_t)rows->count * VIEW, text, (int32_t)size, rows->data,
             &rows->bytes);
    rows->numbers[rows->count++] = (uint32_t)number;
    return 0;
}

/* cache[key], or file(key) when the key is new (which files it in `cache`): a new reference,
 * or NULL with an exception set. */
static PyObject *
known(PyObject *cache, PyObject *key, PyObject *file)
{
    PyObject *found = PyDict_GetItemWithError(cache, key);
    if (found != NULL) {
        return Py_NewRef(found);
    }
    return PyErr_Occurred() ? NULL : PyObject_CallOneArg(file, key);
}

/* The rows of field `name` in `*rows` (NULL: not collected): 0, or -1 on error. */
static int
index_slot(IndexCollector *self, PyObject *name, Rows **rows)
{
    PyObject *slot = known(self->slots, name, self->slot_of); /* SideIndex._slot files it */
    if (slot == NULL) {
        return -1;
    }
    *rows = NULL;
    if (slot != Py_None) {
        Py_ssize_t field = PyLong_AsSsize_t(slot);
        if (field == -1 && PyErr_Occurred()) {
            Py_DECREF(slot);
            return -1;
        }
        if (field < 0 || field >= self->fields) {
            Py_DECREF(slot);
            PyErr_SetString(PyExc_IndexError, "a slot that is no field of this collector");
            return -1;
        }
        *rows = self->rows[field];
    }
    Py_DECREF(slot);
    return 0;
}

/* Note `number` in `multi[name]` (a record holding several distinct values); -1 on error. */
static int
note_multi(IndexCollector *self, PyObject *name, Py_ssize_t number)
{
    PyObject *list = PyDict_GetItemWithError(self->multi, name);
    if (list == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_KeyError, "a collected field without its multi list");
        }
        return -1;
    }
    PyObject *item = PyLong_FromSsize_t(number);
    if (item == NULL) {
        return -1;
    }
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

/* Several values of one field (`SideIndex._add_values`): each distinct one once, in first-seen
 * order, and the record noted in `multi[name]` when two or more differ. Up to MAX_SEVERAL
 * exact str are compared here; more, or str subclasses, are deduplicated by
 * `distinct(values)` (Python's dict.fromkeys). 0, or -1 on error. */
static int
index_several(IndexCollector *self, PyObject *name, Rows *rows, Py_ssize_t number,
              PyObject *values)
{
    Py_ssize_t n = PyTuple_GET_SIZE(values);
    PyObject *kept[MAX_SEVERAL];
    Py_ssize_t count = 0;
    int here = n <= MAX_SEVERAL;
    for (Py_ssize_t i = 0; i < n && here; i++) {
        PyObject *value = PyTuple_GET_ITEM(values, i);
        if (!PyUnicode_CheckExact(value)) {
            here = 0;
            break;
        }
        int seen = 0;
        for (Py_ssize_t j = 0; j < count && !seen; j++) {
            seen = kept[j] == value || PyUnicode_Compare(kept[j], value) == 0;
        }
        if (!seen) {
            kept[count++] = value;
        }
    }
    PyObject *distinct = NULL;
    PyObject *const *items = kept;
    if (!here) {
        distinct = PyObject_CallOneArg(self->distinct, values);
        if (distinct == NULL) {
            return -1;
        }
        if (!PyTuple_Check(distinct)) {
            Py_DECREF(distinct);
            PyErr_SetString(PyExc_TypeError, "distinct() must return a tuple");
            return -1;
        }
        items = &PyTuple_GET_ITEM(distinct, 0);
        count = PyTuple_GET_SIZE(distinct);
    }
    int failed = count > 1 && note_multi(self, name, number) < 0;
    for (Py_ssize_t j = 0; j < count && !failed; j++) {
        failed = rows_put(rows, number, items[j]) < 0;
    }
    Py_XDECREF(distinct);
    return failed ? -1 : 0;
}

static int
index_values(IndexCollector *self, PyObject *attrs, Py_ssize_t number)
{
    Py_ssize_t pos = 0, at = 0;
    PyObject *name, *values;
    while (PyDict_Next(attrs, &pos, &name, &values)) {
        Rows *rows;
        if (at < SEEN && self->seen_names[at] == name) { /* the same name object: its rows */
            rows = self->seen_rows[at];
        }
        else {
            if (index_slot(self, name, &rows) < 0) {
                return -1;
            }
            if (at < SEEN) {
                Py_XSETREF(self->seen_names[at], Py_NewRef(name));
                self->seen_rows[at] = rows;
            }
        }
        at++;
        if (rows == NULL) {
            continue;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(values);
        if (n == 1) {
            if (rows_put(rows, number, PyTuple_GET_ITEM(values, 0)) < 0) {
                return -1;
            }
        }
        else if (n > 1 && index_several(self, name, rows, number, values) < 0) {
            return -1;
        }
        self->due |= rows->bytes > TAKE_BYTES;
    }
    return 0;
}

static int
index_names(IndexCollector *self, PyObject *info, PyObject *number)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(info, &pos, &key, &value)) {
        PyObject *kind = known(self->info_kinds, key, self->kind_of); /* _info_kind files it */
        if (kind == NULL) {
            return -1;
        }
        int is_name = PyObject_IsTrue(kind);
        Py_DECREF(kind);
        if (is_name < 0) {
            return -1;
        }
        if (is_name && (PyList_Append(self->lists[I_NAME_NUMBERS], number) < 0 ||
                        PyList_Append(self->lists[I_NAME_TEXTS], value) < 0)) {
            return -1;
        }
    }
    return 0;
}

static int
index_apply(PyObject *collector, const Parts *parts, PyObject *number)
{
    IndexCollector *self = (IndexCollector *)collector;
    if (PyList_Append(self->lists[I_REFS], parts->ref) < 0 ||
        PyList_Append(self->lists[I_POPS], parts->population) < 0 ||
        index_values(self, parts->attrs, self->records) < 0) {
        return -1;
    }
    return index_names(self, parts->info, number);
}

static PyObject *
index_add(IndexCollector *self, PyObject *record)
{
    return columns_collect((Counted *)self, record, index_apply);
}

/* field() -> int: a new field's number (its rows empty), for SideIndex._slot's `slots`. */
static PyObject *
index_field(IndexCollector *self, PyObject *Py_UNUSED(ignored))
{
    if (self->fields == self->fields_room) {
        Py_ssize_t room = self->fields_room ? 2 * self->fields_room : 16;
        Rows **grown = PyMem_RawRealloc(self->rows, (size_t)room * sizeof(Rows *));
        if (grown == NULL) {
            return PyErr_NoMemory();
        }
        self->rows = grown;
        self->fields_room = room;
    }
    Rows *rows = PyMem_RawCalloc(1, sizeof(Rows));
    if (rows == NULL) {
        return PyErr_NoMemory();
    }
    self->rows[self->fields] = rows;
    return PyLong_FromSsize_t(self->fields++);
}

/* take(field) -> (numbers, values) | None: the field's rows since the last take, as two
 * capsules "arrow_array_stream" (u32, large text); None when it has none. */
static PyObject *
index_take(IndexCollector *self, PyObject *arg)
{
    Py_ssize_t field = PyLong_AsSsize_t(arg);
    if (field == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (field < 0 || field >= self->fields) {
        PyErr_SetString(PyExc_IndexError, "no such field");
        return NULL;
    }
    Rows *rows = self->rows[field];
    if (rows->count == 0) {
        Py_RETURN_NONE;
    }
    int64_t count = rows->count;
    OutColumn *numbers = out_new("I", count, rows->numbers, NULL, 0);
    OutColumn *values = out_new("vu", count, rows->views, rows->data, rows->bytes);
    /* what was taken is theirs now; the next rows start with room for as many */
    rows->numbers = NULL;
    rows->views = NULL;
    rows->data = NULL;
    rows->room = count;
    rows->byte_room = rows->bytes > 0 ? rows->bytes : rows->byte_room;
    rows->count = rows->bytes = 0;
    return out_pair(numbers, values);
}

static PyMethodDef index_methods[] = {
    {"add", (PyCFunction)index_add, METH_O, "Collect one record; True when a flush is due."},
    {"field", (PyCFunction)index_field, METH_NOARGS, "A new field's number."},
    {"take", (PyCFunction)index_take, METH_O,
     "A field's rows since the last take, as (numbers, values) Arrow streams, or None."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject IndexCollectorType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "authprobe.analysis._columns.IndexCollector",
    .tp_basicsize = sizeof(IndexCollector),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "SideIndex.add's loop (see the module docstring).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)index_init,
    .tp_dealloc = (destructor)index_dealloc,
    .tp_methods = index_methods,
    .tp_getset = columns_counted_getset,
};

