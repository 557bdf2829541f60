/*
 * authprobe.analysis._columns: `LoadColumns.add` of authprobe/analysis/loadcolumns.py, in C.
 *
 * The pre-flight collects every record of the SIS load and every user already in Alma into
 * plain Python lists (record numbers, field codes, values, names, dates, references) that are
 * moved into polars columns in bulk. In Python the per-record loop costs about 1.5 us (a
 * million users: 1.5 s per side); this is the same loop with the same appends, in the same
 * order:
 *
 *     Collector(codes, other, code_of, lists, flush_every)
 *     .add(record) -> bool    True when `flush_every` records were added since the last flush;
 *                             None (nothing appended) for a record left to Python
 *     .records                records added (the Python loop sets it when it adds a record)
 *
 * `codes` maps a field name to its code, `other` holds the names that are not identifiers;
 * a name in neither is given to `code_of(name)` (LoadColumns._code), which files it in one of
 * them and returns its code, as the Python path does. `lists` are the 12 lists LoadColumns
 * keeps (see LoadColumns.__init__, in the order of COLUMN_ORDER there); the caller empties
 * them in place when it moves them into polars.
 *
 * The same for the cross-check's `SideIndex.add` (authprobe/analysis/crosscheck/index.py):
 *
 *     IndexCollector(slots, info_kinds, slot_of, kind_of, distinct, lists, flush_every, multi)
 *     .field() -> int         a new collected field's number
 *     .take(field)            its rows since the last take: (numbers, values) as Arrow streams
 *                             (u32, large text), or None
 *
 * `slots` maps a field name to None (not collected) or its number from `field()`; a name not
 * in `slots` is given to `slot_of(name)` (SideIndex._slot), which files it. A collected
 * field's record numbers and values are written into buffers of its own, not Python lists
 * (`_columns_index.c`); several values of a field are kept once each (first seen first) and
 * the record appended to `multi[name]` when they differ (past 16 values, or for str
 * subclasses, `distinct(values)` deduplicates them); `info_kinds` maps an info key to whether
 * it is a name part, `kind_of(key)` files a new key. `lists` are (refs, populations, name
 * numbers, name texts).
 *
 * And `fold(values)`: `[value.strip().casefold() for value in values]` (how the pre-flight
 * compares identifiers), where an ASCII value that neither starts nor ends with whitespace and
 * holds no capital is its own result (the same object); any other value goes through the two
 * str methods themselves.
 *
 * A record whose attrs or info is not a dict, or whose values are not all tuples, is left to
 * Python: add() returns None before appending anything, and LoadColumns adds it with the
 * Python code (SideIndex gives it back as plain dicts and tuples); tests/unit/test_columns_c.py
 * holds the two paths to the same columns.
 *
 * This file holds the module, the loop both collectors share and `Collector`;
 * `_columns_index.c` holds `IndexCollector`; `_columns.h` is what the two share.
 */
#include "_columns.h"

#include "../_ascii.h"

enum {
    C_REC, C_FIELD, C_VALUE, C_KEY_REC, C_FIRST, C_LAST, C_BIRTH, C_MAIL_REC, C_MAIL, C_REFS,
    C_GROUPS, C_ACCOUNTS, N_LISTS
};

typedef struct {
    COUNTED_HEAD
    PyObject *codes;
    PyObject *other;
    PyObject *code_of;
    PyObject *lists[N_LISTS];
} Collector;

static PyObject *S_ATTRS, *S_INFO, *S_REF, *S_POPULATION, *S_BIRTH, *S_FIRST, *S_LAST,
    *S_ACCOUNT, *S_EMAIL_ALL;

int
columns_take_lists(Counted *self, PyObject *lists, PyObject **into, int count,
                   Py_ssize_t flush_every)
{
    if (PyTuple_GET_SIZE(lists) != count || flush_every <= 0) {
        PyErr_Format(PyExc_ValueError, "%d lists and a positive flush_every are needed", count);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        if (!PyList_CheckExact(PyTuple_GET_ITEM(lists, i))) {
            PyErr_SetString(PyExc_TypeError, "the columns must be lists");
            return -1;
        }
    }
    for (int i = 0; i < count; i++) {
        PyObject *list = PyTuple_GET_ITEM(lists, i);
        Py_INCREF(list);
        Py_XSETREF(into[i], list);
    }
    self->flush_every = flush_every;
    return 0;
}

static void
collector_dealloc(Collector *self)
{
    Py_XDECREF(self->codes);
    Py_XDECREF(self->other);
    Py_XDECREF(self->code_of);
    for (int i = 0; i < N_LISTS; i++) {
        Py_XDECREF(self->lists[i]);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
collector_init(Collector *self, PyObject *args, PyObject *kwds)
{
    PyObject *codes, *other, *code_of, *lists;
    Py_ssize_t flush_every;
    static char *names[] = {"codes", "other", "code_of", "lists", "flush_every", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!OO!n", names, &PyDict_Type, &codes,
                                     &PyDict_Type, &other, &code_of, &PyTuple_Type, &lists,
                                     &flush_every)) {
        return -1;
    }
    if (columns_take_lists((Counted *)self, lists, self->lists, N_LISTS, flush_every) < 0) {
        return -1;
    }
    Py_INCREF(codes);
    Py_XSETREF(self->codes, codes);
    Py_INCREF(other);
    Py_XSETREF(self->other, other);
    Py_INCREF(code_of);
    Py_XSETREF(self->code_of, code_of);
    return 0;
}

/* Append `item` to list `i`; -1 on error. */
static int
put(Collector *self, int i, PyObject *item)
{
    return PyList_Append(self->lists[i], item);
}

/* The code of field `name` (a new reference to an int), or NULL with an exception set. */
static PyObject *
code_for(Collector *self, PyObject *name)
{
    PyObject *code = PyDict_GetItemWithError(self->codes, name);
    if (code != NULL) {
        Py_INCREF(code);
        return code;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    code = PyDict_GetItemWithError(self->other, name);
    if (code != NULL) {
        Py_INCREF(code);
        return code;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyObject_CallOneArg(self->code_of, name);
}

/* Whether this loop takes the record: attrs and info dicts, every attrs value a tuple. */
static int
handled(PyObject *attrs, PyObject *info)
{
    if (!PyDict_Check(attrs) || !PyDict_Check(info)) {
        return 0;
    }
    Py_ssize_t pos = 0;
    PyObject *name, *values;
    while (PyDict_Next(attrs, &pos, &name, &values)) {
        if (!PyTuple_Check(values)) {
            return 0;
        }
    }
    return 1;
}

static int
add_values(Collector *self, PyObject *attrs, PyObject *number)
{
    Py_ssize_t pos = 0;
    PyObject *name, *values;
    while (PyDict_Next(attrs, &pos, &name, &values)) {
        PyObject *code = code_for(self, name);
        if (code == NULL) {
            return -1;
        }
        long value = PyLong_AsLong(code);
        if (value == -1 && PyErr_Occurred()) {
            Py_DECREF(code);
            return -1;
        }
        if (value < 0) {
            Py_DECREF(code);
            continue;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(values);
        for (Py_ssize_t k = 0; k < n; k++) {
            if (put(self, C_REC, number) < 0 || put(self, C_FIELD, code) < 0 ||
                put(self, C_VALUE, PyTuple_GET_ITEM(values, k)) < 0) {
                Py_DECREF(code);
                return -1;
            }
        }
        Py_DECREF(code);
    }
    return 0;
}

/* info.get(key) as a borrowed reference (Py_None when absent), NULL on error. */
static PyObject *
info_get(PyObject *info, PyObject *key)
{
    PyObject *found = PyDict_GetItemWithError(info, key);
    if (found == NULL && !PyErr_Occurred()) {
        return Py_None;
    }
    return found;
}

static int
add_person(Collector *self, PyObject *attrs, PyObject *info, PyObject *number)
{
    PyObject *birth = info_get(info, S_BIRTH);
    if (birth == NULL) {
        return -1;
    }
    if (birth != Py_None) {
        PyObject *first = info_get(info, S_FIRST);
        PyObject *last = first == NULL ? NULL : info_get(info, S_LAST);
        if (last == NULL || put(self, C_KEY_REC, number) < 0 || put(self, C_FIRST, first) < 0 ||
            put(self, C_LAST, last) < 0 || put(self, C_BIRTH, birth) < 0) {
            return -1;
        }
    }
    PyObject *mails = PyDict_GetItemWithError(attrs, S_EMAIL_ALL);
    if (mails == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (mails != NULL) {
        Py_ssize_t n = PyTuple_GET_SIZE(mails);
        for (Py_ssize_t k = 0; k < n; k++) {
            if (put(self, C_MAIL_REC, number) < 0 ||
                put(self, C_MAIL, PyTuple_GET_ITEM(mails, k)) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

PyObject *
columns_collect(Counted *self, PyObject *record, Apply apply)
{
    Parts parts = {NULL, NULL, NULL, NULL};
    PyObject *number = NULL;
    PyObject *result = NULL;
    if ((parts.attrs = PyObject_GetAttr(record, S_ATTRS)) == NULL ||
        (parts.info = PyObject_GetAttr(record, S_INFO)) == NULL ||
        (parts.ref = PyObject_GetAttr(record, S_REF)) == NULL ||
        (parts.population = PyObject_GetAttr(record, S_POPULATION)) == NULL) {
        goto done;
    }
    if (!handled(parts.attrs, parts.info)) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    number = PyLong_FromSsize_t(self->records);
    if (number == NULL || apply((PyObject *)self, &parts, number) < 0) {
        goto done;
    }
    self->records += 1;
    result = PyBool_FromLong(self->due || self->records % self->flush_every == 0);
    self->due = 0;
done:
    Py_XDECREF(number);
    Py_XDECREF(parts.population);
    Py_XDECREF(parts.ref);
    Py_XDECREF(parts.info);
    Py_XDECREF(parts.attrs);
    return result;
}

static PyObject *
counted_get_records(Counted *self, void *closure)
{
    return PyLong_FromSsize_t(self->records);
}

static int
counted_set_records(Counted *self, PyObject *value, void *closure)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "records cannot be deleted");
        return -1;
    }
    Py_ssize_t records = PyLong_AsSsize_t(value);
    if (records == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (records < 0) {
        PyErr_SetString(PyExc_ValueError, "records must not be negative");
        return -1;
    }
    self->records = records;
    return 0;
}

PyGetSetDef columns_counted_getset[] = {
    {"records", (getter)counted_get_records, (setter)counted_set_records,
     "Records added (set by the Python loop when it adds one).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static int
collector_apply(PyObject *collector, const Parts *parts, PyObject *number)
{
    Collector *self = (Collector *)collector;
    if (add_values(self, parts->attrs, number) < 0 ||
        add_person(self, parts->attrs, parts->info, number) < 0 ||
        put(self, C_REFS, parts->ref) < 0 || put(self, C_GROUPS, parts->population) < 0) {
        return -1;
    }
    PyObject *account = info_get(parts->info, S_ACCOUNT);
    return account == NULL ? -1 : put(self, C_ACCOUNTS, account);
}

static PyObject *
collector_add(Collector *self, PyObject *record)
{
    return columns_collect((Counted *)self, record, collector_apply);
}

static PyMethodDef collector_methods[] = {
    {"add", (PyCFunction)collector_add, METH_O,
     "Collect one record; True when a flush is due."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CollectorType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "authprobe.analysis._columns.Collector",
    .tp_basicsize = sizeof(Collector),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LoadColumns.add's loop (see the module docstring).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)collector_init,
    .tp_dealloc = (destructor)collector_dealloc,
    .tp_methods = collector_methods,
    .tp_getset = columns_counted_getset,
};

/* ---- fold ---------------------------------------------------------------------------------- */

static PyObject *S_STRIP_NAME, *S_CASEFOLD_NAME;

/* Whether strip() and casefold() leave `value` as it is (decided on ASCII only). */
static int
already_folded(PyObject *value)
{
    if (!PyUnicode_CheckExact(value) || PyUnicode_READY(value) < 0 || !PyUnicode_IS_ASCII(value)) {
        return 0;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const Py_UCS1 *data = PyUnicode_1BYTE_DATA(value);
    if (n == 0) {
        return 1;
    }
    if (ascii_space(data[0]) || ascii_space(data[n - 1])) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (data[i] >= 'A' && data[i] <= 'Z') {
            return 0;
        }
    }
    return 1;
}

static PyObject *
fold(PyObject *module, PyObject *values)
{
    if (!PyList_CheckExact(values)) {
        PyErr_SetString(PyExc_TypeError, "fold() takes a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(values);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyList_GET_ITEM(values, i);
        PyObject *folded;
        if (already_folded(value)) {
            Py_INCREF(value);
            folded = value;
        }
        else {
            PyObject *stripped = PyObject_CallMethodNoArgs(value, S_STRIP_NAME);
            if (stripped == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            folded = PyObject_CallMethodNoArgs(stripped, S_CASEFOLD_NAME);
            Py_DECREF(stripped);
            if (folded == NULL) {
                Py_DECREF(out);
                return NULL;
            }
        }
        PyList_SET_ITEM(out, i, folded);
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"fold", (PyCFunction)fold, METH_O,
     "[value.strip().casefold() for value in values], at C speed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef columns_module = {
    PyModuleDef_HEAD_INIT, "authprobe.analysis._columns",
    "LoadColumns.add in C (see authprobe/analysis/loadcolumns.py).", -1, module_methods,
};

PyMODINIT_FUNC
PyInit__columns(void)
{
    const char *texts[] = {"attrs", "info", "ref", "population", "birth_date", "first_name",
                           "last_name", "account_type", "email:all", "strip", "casefold"};
    PyObject **slots[] = {&S_ATTRS, &S_INFO, &S_REF, &S_POPULATION, &S_BIRTH, &S_FIRST,
                          &S_LAST, &S_ACCOUNT, &S_EMAIL_ALL, &S_STRIP_NAME, &S_CASEFOLD_NAME};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        *slots[i] = PyUnicode_InternFromString(texts[i]);
        if (*slots[i] == NULL) {
            return NULL;
        }
    }
    if (PyType_Ready(&CollectorType) < 0 || PyType_Ready(&IndexCollectorType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&columns_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&CollectorType);
    if (PyModule_AddObject(module, "Collector", (PyObject *)&CollectorType) < 0) {
        Py_DECREF(&CollectorType);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&IndexCollectorType);
    if (PyModule_AddObject(module, "IndexCollector", (PyObject *)&IndexCollectorType) < 0) {
        Py_DECREF(&IndexCollectorType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
