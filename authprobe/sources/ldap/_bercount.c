/*
 * authprobe.sources.ldap._bercount: `count_entry` of authprobe/sources/ldap/ber_count.py, in C.
 *
 * The live LDAP scan spends most of its time walking SearchResultEntry attributes in Python
 * (about 390 ns per attribute). This module does the same walk with the same results:
 *
 *     count_entry(data, start, end, buffers, multi, pending) -> int
 *
 * is `ber_count.count_entry(data, start, end, single, multi, pending)` where `single[type]` is
 * `buffers[type].append`. It returns what the Python function returns (-1, or the number of
 * attributes handled before one that needs the general path) after the same appends, in the
 * same order. For anything the Python function would treat in an unusual way (a read past
 * the buffer, a length of more than 4 bytes, an entry it would reject with BerError), it
 * changes nothing and returns -2: the caller then runs the Python function on that entry,
 * which gives the exact Python behaviour, errors included.
 *
 * The attributes are first walked and decoded into a private list of actions; the actions are
 * applied only when the walk ends normally, so a -2 never leaves partial appends behind.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define FALLBACK (-2)
/* authprobe.sources.ldap.limits.MAX_VALUE_RANGE (AD's MaxValRange): a value list this long may
 * have been cut by the server, so it takes the general path (tests/unit/test_ldap_ber_c.py
 * checks the two agree). */
#define MAX_VALUE_RANGE 1500

typedef struct {
    PyObject *target; /* borrowed: a buffer list (single) or a field sink (multi) */
    PyObject *value;  /* owned: a str (single) or a list of str (multi) */
    int single;
} Action;

typedef struct {
    Action *items;
    Py_ssize_t size;
    Py_ssize_t capacity;
} Actions;

static void
actions_clear(Actions *actions)
{
    for (Py_ssize_t i = 0; i < actions->size; i++) {
        Py_DECREF(actions->items[i].value);
    }
    PyMem_Free(actions->items);
    actions->items = NULL;
    actions->size = actions->capacity = 0;
}

static int
actions_push(Actions *actions, PyObject *target, PyObject *value, int single)
{
    if (actions->size == actions->capacity) {
        Py_ssize_t capacity = actions->capacity ? actions->capacity * 2 : 64;
        Action *items = PyMem_Realloc(actions->items, capacity * sizeof(Action));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        actions->items = items;
        actions->capacity = capacity;
    }
    actions->items[actions->size].target = target;
    actions->items[actions->size].value = value;
    actions->items[actions->size].single = single;
    actions->size++;
    return 0;
}

/* A BER length at data[at] (the byte after a tag): sets *length and *content (where the
 * content starts). Returns 0, or FALLBACK when the length reads past the buffer or is longer
 * than 4 bytes. */
static int
read_length(const unsigned char *data, Py_ssize_t size, Py_ssize_t at, Py_ssize_t *length,
            Py_ssize_t *content)
{
    if (at < 0 || at >= size) {
        return FALLBACK;
    }
    unsigned int n = data[at];
    if (n < 0x80) {
        *length = n;
        *content = at + 1;
        return 0;
    }
    unsigned int k = n & 0x7F;
    if (k > 4 || at + 1 + (Py_ssize_t)k > size) {
        return FALLBACK;
    }
    Py_ssize_t value = 0;
    for (unsigned int i = 0; i < k; i++) {
        value = (value << 8) | data[at + 1 + i];
    }
    *length = value;
    *content = at + 1 + k;
    return 0;
}

/* The walk. Returns the Python result (-1 or done), FALLBACK, or -3 with an exception set. */
static Py_ssize_t
walk(const unsigned char *data, Py_ssize_t size, Py_ssize_t start, Py_ssize_t end,
     PyObject *buffers, PyObject *multi, Actions *actions)
{
    Py_ssize_t length, content, pos;
    if (start < 0 || start >= size || data[start] != 0x04) {
        return FALLBACK; /* Python raises IndexError or BerError */
    }
    if (read_length(data, size, start + 1, &length, &content) < 0) {
        return FALLBACK;
    }
    pos = content + length;
    if (pos >= size || data[pos] != 0x30) {
        return FALLBACK;
    }
    if (read_length(data, size, pos + 1, &length, &content) < 0) {
        return FALLBACK;
    }
    pos = content; /* the attribute list's content */
    Py_ssize_t done = 0;
    while (pos < end) {
        /* the attribute SEQUENCE header */
        if (read_length(data, size, pos + 1, &length, &content) < 0) {
            return FALLBACK;
        }
        pos = content;
        /* the type: short lengths only, as in Python */
        if (pos + 1 >= size) {
            return FALLBACK;
        }
        unsigned int type_length = data[pos + 1];
        if (type_length >= 0x80) {
            return done;
        }
        Py_ssize_t type_start = pos + 2;
        pos = type_start + type_length;
        if (pos > size) {
            return FALLBACK; /* Python would take a truncated type name */
        }
        /* the SET of values */
        Py_ssize_t vpos, set_end;
        if (read_length(data, size, pos + 1, &length, &vpos) < 0) {
            return FALLBACK;
        }
        set_end = vpos + length;
        if (vpos >= set_end) {
            return done;
        }
        Py_ssize_t value_length, value_start;
        if (read_length(data, size, vpos + 1, &value_length, &value_start) < 0) {
            return FALLBACK;
        }
        Py_ssize_t value_end = value_start + value_length;
        PyObject *name = PyBytes_FromStringAndSize((const char *)data + type_start, type_length);
        if (name == NULL) {
            return -3;
        }
        if (value_end == set_end) {
            PyObject *buffer = PyDict_GetItemWithError(buffers, name); /* borrowed */
            if (buffer == NULL && PyErr_Occurred()) {
                Py_DECREF(name);
                return -3;
            }
            if (buffer != NULL) {
                Py_DECREF(name);
                if (value_end > size) {
                    return FALLBACK;
                }
                PyObject *text = PyUnicode_DecodeUTF8(
                    (const char *)data + value_start, value_length, NULL);
                if (text == NULL) {
                    if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                        PyErr_Clear();
                        return done;
                    }
                    return -3;
                }
                if (actions_push(actions, buffer, text, 1) < 0) {
                    Py_DECREF(text);
                    return -3;
                }
                pos = set_end;
                done++;
                continue;
            }
        }
        PyObject *target = PyDict_GetItemWithError(multi, name); /* borrowed */
        Py_DECREF(name);
        if (target == NULL) {
            return PyErr_Occurred() ? -3 : done;
        }
        PyObject *values = PyList_New(0);
        if (values == NULL) {
            return -3;
        }
        while (vpos < set_end) {
            if (read_length(data, size, vpos + 1, &value_length, &value_start) < 0) {
                Py_DECREF(values);
                return FALLBACK;
            }
            vpos = value_start + value_length;
            if (vpos > size) {
                Py_DECREF(values);
                return FALLBACK;
            }
            PyObject *text = PyUnicode_DecodeUTF8(
                (const char *)data + value_start, value_length, NULL);
            if (text == NULL) {
                Py_DECREF(values);
                if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                    PyErr_Clear();
                    return done;
                }
                return -3;
            }
            int failed = PyList_Append(values, text);
            Py_DECREF(text);
            if (failed) {
                Py_DECREF(values);
                return -3;
            }
        }
        if (PyList_GET_SIZE(values) >= MAX_VALUE_RANGE) {
            Py_DECREF(values);
            return done;
        }
        if (actions_push(actions, target, values, 0) < 0) {
            Py_DECREF(values);
            return -3;
        }
        pos = set_end;
        done++;
    }
    if (pos != end) {
        return FALLBACK; /* Python raises BerError after its appends */
    }
    return -1;
}

static PyObject *
count_entry(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start, end;
    PyObject *buffers, *multi, *pending;
    if (!PyArg_ParseTuple(args, "y*nnO!O!O!", &view, &start, &end, &PyDict_Type, &buffers,
                          &PyDict_Type, &multi, &PyList_Type, &pending)) {
        return NULL;
    }
    Actions actions = {NULL, 0, 0};
    Py_ssize_t result = walk(view.buf, view.len, start, end, buffers, multi, &actions);
    PyBuffer_Release(&view);
    if (result == -3 || result == FALLBACK) {
        actions_clear(&actions);
        return result == -3 ? NULL : PyLong_FromSsize_t(FALLBACK);
    }
    for (Py_ssize_t i = 0; i < actions.size; i++) {
        Action *action = &actions.items[i];
        int failed;
        if (action->single) {
            failed = PyList_Append(action->target, action->value);
        } else {
            PyObject *pair = PyTuple_Pack(2, action->target, action->value);
            failed = pair == NULL || PyList_Append(pending, pair);
            Py_XDECREF(pair);
        }
        if (failed) {
            actions_clear(&actions);
            return NULL;
        }
    }
    actions_clear(&actions);
    return PyLong_FromSsize_t(result);
}

static PyMethodDef methods[] = {
    {"count_entry", count_entry, METH_VARARGS,
     "count_entry(data, start, end, buffers, multi, pending) -> int\n\n"
     "ber_count.count_entry with single[type] = buffers[type].append; "
     "-2: run ber_count.count_entry."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "authprobe.sources.ldap._bercount",
    "ber_count.count_entry in C (see authprobe/sources/ldap/_bercount.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__bercount(void)
{
    return PyModule_Create(&module);
}
