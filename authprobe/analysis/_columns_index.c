/*
 * authprobe.analysis._columns, continued: `SideIndex.add` of
 * authprobe/analysis/crosscheck/index.py in C (`IndexCollector`; the module docstring in
 * `_columns.c` says what it appends).
 */
#include "_columns.h"

enum { I_REFS, I_POPS, I_NAME_NUMBERS, I_NAME_TEXTS, N_INDEX_LISTS };

typedef struct {
    COUNTED_HEAD
    PyObject *slots, *numbers, *texts, *info_kinds;
    PyObject *slot_of, *kind_of, *add_values;
    PyObject *lists[N_INDEX_LISTS];
    PyObject *multi;
} IndexCollector;

#define MAX_SEVERAL 16 /* values of one field in one record deduplicated here; more: Python */

static void
index_dealloc(IndexCollector *self)
{
    Py_XDECREF(self->slots);
    Py_XDECREF(self->numbers);
    Py_XDECREF(self->texts);
    Py_XDECREF(self->info_kinds);
    Py_XDECREF(self->slot_of);
    Py_XDECREF(self->kind_of);
    Py_XDECREF(self->add_values);
    Py_XDECREF(self->multi);
    for (int i = 0; i < N_INDEX_LISTS; i++) {
        Py_XDECREF(self->lists[i]);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
index_init(IndexCollector *self, PyObject *args, PyObject *kwds)
{
    PyObject *slots, *numbers, *texts, *info_kinds, *slot_of, *kind_of, *add_values, *lists;
    PyObject *multi;
    Py_ssize_t flush_every;
    static char *names[] = {"slots", "numbers", "texts", "info_kinds", "slot_of", "kind_of",
                            "add_values", "lists", "flush_every", "multi", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!O!OOOO!nO!", names, &PyDict_Type, &slots,
                                     &PyDict_Type, &numbers, &PyDict_Type, &texts, &PyDict_Type,
                                     &info_kinds, &slot_of, &kind_of, &add_values,
                                     &PyTuple_Type, &lists, &flush_every, &PyDict_Type, &multi)) {
        return -1;
    }
    if (columns_take_lists((Counted *)self, lists, self->lists, N_INDEX_LISTS, flush_every) < 0) {
        return -1;
    }
    PyObject *objects[] = {slots, numbers, texts, info_kinds, slot_of, kind_of, add_values, multi};
    PyObject **fields[] = {&self->slots,   &self->numbers, &self->texts,      &self->info_kinds,
                           &self->slot_of, &self->kind_of, &self->add_values, &self->multi};
    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        Py_INCREF(objects[i]);
        Py_XSETREF(*fields[i], objects[i]);
    }
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

/* Whether the field `name` is collected: 1, 0 (not collected), -1 on error. */
static int
index_slot(IndexCollector *self, PyObject *name)
{
    PyObject *slot = known(self->slots, name, self->slot_of); /* SideIndex._slot files it */
    if (slot == NULL) {
        return -1;
    }
    int collected = slot != Py_None;
    Py_DECREF(slot);
    return collected;
}

/* Append to the list `lists[name]` (a dict of lists); -1 on error. */
static int
append_to(PyObject *lists, PyObject *name, PyObject *item)
{
    PyObject *list = PyDict_GetItemWithError(lists, name);
    if (list == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_KeyError, "a collected field without its lists");
        }
        return -1;
    }
    return PyList_Append(list, item);
}

/* Several values of one field (`SideIndex._add_values`): each distinct one once, in first-seen
 * order, and the record noted in `multi[name]` when two or more differ. 1 when done, 0 for a
 * case left to Python (too many values, or not all str), -1 on error. */
static int
index_several(IndexCollector *self, PyObject *name, PyObject *number, PyObject *values)
{
    Py_ssize_t n = PyTuple_GET_SIZE(values);
    if (n > MAX_SEVERAL) {
        return 0;
    }
    PyObject *kept[MAX_SEVERAL];
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyTuple_GET_ITEM(values, i);
        if (!PyUnicode_CheckExact(value)) {
            return 0;
        }
        int seen = 0;
        for (Py_ssize_t j = 0; j < count && !seen; j++) {
            seen = kept[j] == value || PyUnicode_Compare(kept[j], value) == 0;
        }
        if (!seen) {
            kept[count++] = value;
        }
    }
    if (count > 1 && append_to(self->multi, name, number) < 0) {
        return -1;
    }
    for (Py_ssize_t j = 0; j < count; j++) {
        if (append_to(self->numbers, name, number) < 0 ||
            append_to(self->texts, name, kept[j]) < 0) {
            return -1;
        }
    }
    return 1;
}

static int
index_values(IndexCollector *self, PyObject *attrs, PyObject *number)
{
    Py_ssize_t pos = 0;
    PyObject *name, *values;
    while (PyDict_Next(attrs, &pos, &name, &values)) {
        int collected = index_slot(self, name);
        if (collected < 0) {
            return -1;
        }
        if (!collected) {
            continue;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(values);
        if (n == 1) {
            if (append_to(self->numbers, name, number) < 0 ||
                append_to(self->texts, name, PyTuple_GET_ITEM(values, 0)) < 0) {
                return -1;
            }
        }
        else if (n > 1) {
            int done = index_several(self, name, number, values);
            if (done < 0) {
                return -1;
            }
            if (!done) {
                PyObject *added = PyObject_CallFunctionObjArgs(self->add_values, name, number,
                                                               values, NULL);
                if (added == NULL) {
                    return -1;
                }
                Py_DECREF(added);
            }
        }
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
        index_values(self, parts->attrs, number) < 0) {
        return -1;
    }
    return index_names(self, parts->info, number);
}

static PyObject *
index_add(IndexCollector *self, PyObject *record)
{
    return columns_collect((Counted *)self, record, index_apply);
}

static PyMethodDef index_methods[] = {
    {"add", (PyCFunction)index_add, METH_O, "Collect one record; True when a flush is due."},
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

