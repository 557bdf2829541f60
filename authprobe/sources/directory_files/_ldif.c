/*
 * authprobe.sources.directory_files._ldif: the byte work of ldif.py's reader, in C.
 *
 *     Parser(plain, value_limit, entry_limit, binary=None)
 *     Parser.feed(block) -> list | None      Parser.more() -> list | None
 *     Parser.pending -> bool                 Parser.close() -> list | None
 *
 * The parser splits the stream (fed in blocks) into physical lines at `\n`, joins folded lines,
 * drops comments and a `\r` before `\n` exactly as `ldif._logical_lines`, and groups logical
 * lines into blocks ended by a blank line. For each complete block it returns one item:
 *
 * - `(dn, attrs)` when the block is a plain entry: a first line `dn: text` and then only
 *   `name: text` lines whose `name` (as written) is a key of `plain` (the names the Python
 *   reader has classified as plain text, mapped to their spelling), every value strict UTF-8,
 *   and `name:: base64` lines for which `binary(name, base64)` gives the `(key, text)` pairs to
 *   add (binary identifiers such as objectGUID: Python decodes them as the reference does).
 *   `attrs` is the dict `ldif._add_plain` builds (the spelling -> the values, in order), its
 *   lists made tuples: the caller then only calls `EntryConverter.finish_frozen(dn, attrs)`.
 * - otherwise the list of the block's logical lines as `(line number, bytes)`, followed by
 *   `(number, None)` when a blank line ended it: the caller runs the reference reader on it.
 *
 * `feed` and `more` stop after a block that comes back as lines (`pending` then says that
 * `more()` has the rest of the block): the caller's reference reads it, and may classify new
 * names, before the next entries are looked at. Blank lines outside a block change nothing in
 * the reference and give no item. Whatever the
 * reference would stop on while reading lines (a physical line or a joined value over
 * `value_limit`, a continuation line with nothing to continue) or a block over `entry_limit`
 * (the reference may raise there, or skip it) makes `feed`/`close` return None: the caller
 * then reads the whole file again with the reference, skipping the records already given.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    Py_ssize_t offset;
    Py_ssize_t length;
    long long number;
} Line;

/* Names found in `plain`, by a hash of their bytes: `plain` only grows and never changes a
 * name's spelling, so a name found once is looked up here without making a bytes object. */
#define NAME_SLOTS 256
#define NAME_MAX_LENGTH 64
/* The last few short ASCII values of each name are kept and given again when the same bytes come
 * (objectClass, affiliations, cities...): equal str, one object (less memory, hashed once). */
#define NAME_VALUES 4
#define VALUE_MAX_LENGTH 64

typedef struct {
    char name[NAME_MAX_LENGTH];
    Py_ssize_t length; /* 0: free */
    PyObject *spelled; /* owned */
    PyObject *values[NAME_VALUES]; /* owned, ASCII str */
    int next;
} Name;

typedef struct {
    PyObject_HEAD
    PyObject *plain;         /* dict: name as written (bytes) -> spelling (str) */
    PyObject *binary;        /* (name, base64) -> [(key, text)...] or None; or None */
    Py_ssize_t value_limit;  /* runtime.limits().value_bytes */
    Py_ssize_t entry_limit;  /* runtime.limits().entry_bytes */
    char *carry;             /* an unfinished physical line from the previous block */
    Py_ssize_t carry_length, carry_capacity;
    char *text;              /* the logical lines of the current block, end to end */
    Py_ssize_t text_length, text_capacity;
    Line *lines;
    Py_ssize_t line_count, line_capacity;
    long long number;        /* physical lines seen */
    int pending;             /* the last of `lines` may still get continuation lines */
    int in_comment;
    int failed;
    const char *reason;      /* why the parser gave up (tests read it) */
    PyObject *input;         /* the block being read (bytes) */
    Py_ssize_t position;     /* how far */
    int stop;                /* a block came back as lines: return to the caller */
    Name names[NAME_SLOTS];
} Parser;

/* UTF-8 text after `name:`, spaces stripped on the left as `_add_plain` does; NULL (no error
 * set) when it is not strict UTF-8, NULL with an error set on a failure. */
static PyObject *
decode_value(const char *value, Py_ssize_t length)
{
    while (length > 0 && *value == ' ') {
        value++;
        length--;
    }
    PyObject *text = PyUnicode_DecodeUTF8(value, length, "strict");
    if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
    }
    return text;
}

static Py_ssize_t
name_slot(const char *name, Py_ssize_t length)
{
    size_t hash = 2166136261u;
    for (Py_ssize_t i = 0; i < length; i++) {
        hash = (hash ^ (unsigned char)name[i]) * 16777619u;
    }
    return (Py_ssize_t)(hash % NAME_SLOTS);
}

/* The spelling of `name` (borrowed), NULL when not in `plain` (an error set on a failure). */
static PyObject *
spelling(Parser *self, const char *name, Py_ssize_t length, Name **cached)
{
    Name *slot = NULL;
    *cached = NULL;
    if (length <= NAME_MAX_LENGTH) {
        slot = &self->names[name_slot(name, length)];
        if (slot->length == length && memcmp(slot->name, name, length) == 0) {
            *cached = slot;
            return slot->spelled;
        }
    }
    PyObject *key = PyBytes_FromStringAndSize(name, length);
    if (key == NULL) {
        return NULL;
    }
    PyObject *spelled = PyDict_GetItemWithError(self->plain, key); /* borrowed */
    Py_DECREF(key);
    if (spelled != NULL && slot != NULL && PyUnicode_CheckExact(spelled)) {
        Py_INCREF(spelled);
        Py_XSETREF(slot->spelled, spelled);
        for (int i = 0; i < NAME_VALUES; i++) {
            Py_CLEAR(slot->values[i]);
        }
        memcpy(slot->name, name, length);
        slot->length = length;
        *cached = slot;
    }
    return spelled;
}

/* `decode_value`, giving a value kept in `slot` again when the bytes are the same. */
static PyObject *
cached_value(Name *slot, const char *value, Py_ssize_t length)
{
    if (slot == NULL) {
        return decode_value(value, length);
    }
    while (length > 0 && *value == ' ') {
        value++;
        length--;
    }
    for (int i = 0; i < NAME_VALUES; i++) {
        PyObject *kept = slot->values[i];
        if (kept != NULL && PyUnicode_GET_LENGTH(kept) == length
            && memcmp(PyUnicode_DATA(kept), value, length) == 0) {
            Py_INCREF(kept);
            return kept;
        }
    }
    PyObject *text = decode_value(value, length);
    if (text != NULL && length <= VALUE_MAX_LENGTH && PyUnicode_IS_ASCII(text)) {
        Py_INCREF(text);
        Py_XSETREF(slot->values[slot->next], text);
        slot->next = (slot->next + 1) % NAME_VALUES;
    }
    return text;
}

static int
grow(char **buffer, Py_ssize_t *capacity, Py_ssize_t needed)
{
    if (needed <= *capacity) {
        return 0;
    }
    Py_ssize_t size = *capacity ? *capacity : 4096;
    while (size < needed) {
        size *= 2;
    }
    char *bigger = PyMem_Realloc(*buffer, size);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buffer = bigger;
    *capacity = size;
    return 0;
}

static int
give_up(Parser *self, const char *reason)
{
    self->failed = 1;
    self->reason = reason;
    return 1;
}

/* Append a logical line (or a continuation of the last one) to the block's text. */
static int
append_text(Parser *self, const char *data, Py_ssize_t length)
{
    if (grow(&self->text, &self->text_capacity, self->text_length + length) < 0) {
        return -1;
    }
    memcpy(self->text + self->text_length, data, length);
    self->text_length += length;
    return 0;
}

static int
start_line(Parser *self, const char *data, Py_ssize_t length)
{
    if (self->line_count == self->line_capacity) {
        Py_ssize_t capacity = self->line_capacity ? self->line_capacity * 2 : 64;
        Line *lines = PyMem_Realloc(self->lines, capacity * sizeof(Line));
        if (lines == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->lines = lines;
        self->line_capacity = capacity;
    }
    Line *line = &self->lines[self->line_count++];
    line->offset = self->text_length;
    line->length = length;
    line->number = self->number;
    return append_text(self, data, length);
}

/* Each value (one) or list of values of `attrs` as a tuple (the keys do not change). */
static int
freeze(PyObject *attrs)
{
    Py_ssize_t position = 0;
    PyObject *key, *values;
    while (PyDict_Next(attrs, &position, &key, &values)) {
        PyObject *frozen =
            PyList_CheckExact(values) ? PyList_AsTuple(values) : PyTuple_Pack(1, values);
        if (frozen == NULL || PyDict_SetItem(attrs, key, frozen) < 0) {
            Py_XDECREF(frozen);
            return -1;
        }
        Py_DECREF(frozen);
    }
    return 0;
}

/* attrs.setdefault(key, []).append(value), with a single value held as itself until a second
 * comes (`freeze` makes both tuples): most attributes have one value, and need no list. */
static int
add_value(PyObject *attrs, PyObject *key, PyObject *value)
{
    PyObject *held = PyDict_GetItemWithError(attrs, key); /* borrowed */
    if (held == NULL) {
        return PyErr_Occurred() ? -1 : PyDict_SetItem(attrs, key, value);
    }
    if (PyList_CheckExact(held)) {
        return PyList_Append(held, value);
    }
    PyObject *values = PyList_New(2);
    if (values == NULL) {
        return -1;
    }
    Py_INCREF(held);
    PyList_SET_ITEM(values, 0, held);
    Py_INCREF(value);
    PyList_SET_ITEM(values, 1, value);
    int failed = PyDict_SetItem(attrs, key, values);
    Py_DECREF(values);
    return failed;
}

/* `name:: base64`: the pairs `binary(name, base64)` gives added to attrs (1), or 0 when it
 * gives None (the reference reads the entry), -1 on a failure. */
static int
add_binary(Parser *self, PyObject *attrs, const char *line, Py_ssize_t name_length,
           Py_ssize_t size)
{
    if (self->binary == Py_None) {
        return 0;
    }
    PyObject *pairs = PyObject_CallFunction(
        self->binary, "y#y#", line, name_length, line + name_length + 2, size - name_length - 2);
    if (pairs == NULL) {
        return -1;
    }
    if (pairs == Py_None) {
        Py_DECREF(pairs);
        return 0;
    }
    if (!PyList_CheckExact(pairs)) {
        Py_DECREF(pairs);
        PyErr_SetString(PyExc_TypeError, "binary() must give a list of (key, text) or None");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(pairs); i++) {
        PyObject *pair = PyList_GET_ITEM(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(pairs);
            PyErr_SetString(PyExc_TypeError, "binary() must give a list of (key, text) or None");
            return -1;
        }
        if (add_value(attrs, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_DECREF(pairs);
            return -1;
        }
    }
    Py_DECREF(pairs);
    return 1;
}

/* The (dn, attrs) of a plain entry; Py_None (new reference) when the block is not one. */
static PyObject *
plain_entry(Parser *self)
{
    const char *first = self->text + self->lines[0].offset;
    Py_ssize_t length = self->lines[0].length;
    if (length < 3 || first[2] != ':' || (first[0] | 0x20) != 'd' || (first[1] | 0x20) != 'n'
        || (length > 3 && (first[3] == ':' || first[3] == '<'))) {
        Py_RETURN_NONE;
    }
    PyObject *dn = decode_value(first + 3, length - 3);
    if (dn == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *attrs = PyDict_New();
    if (attrs == NULL) {
        Py_DECREF(dn);
        return NULL;
    }
    for (Py_ssize_t i = 1; i < self->line_count; i++) {
        const char *line = self->text + self->lines[i].offset;
        Py_ssize_t size = self->lines[i].length;
        const char *colon = memchr(line, ':', size);
        if (colon == NULL || colon == line) {
            goto not_plain;
        }
        Py_ssize_t name_length = colon - line;
        if (name_length + 1 < size && colon[1] == ':') {
            int added = add_binary(self, attrs, line, name_length, size);
            if (added < 0) {
                goto error;
            }
            if (added == 0) {
                goto not_plain;
            }
            continue;
        }
        if (name_length + 1 < size && colon[1] == '<') {
            goto not_plain;
        }
        Name *slot;
        PyObject *spelled = spelling(self, line, name_length, &slot); /* borrowed */
        if (spelled == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            goto not_plain;
        }
        PyObject *value = cached_value(slot, colon + 1, size - name_length - 1);
        if (value == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            goto not_plain;
        }
        int failed = add_value(attrs, spelled, value);
        Py_DECREF(value);
        if (failed < 0) {
            goto error;
        }
    }
    if (freeze(attrs) < 0) {
        goto error;
    }
    PyObject *entry = PyTuple_Pack(2, dn, attrs);
    Py_DECREF(dn);
    Py_DECREF(attrs);
    return entry;
not_plain:
    Py_DECREF(dn);
    Py_DECREF(attrs);
    Py_RETURN_NONE;
error:
    Py_DECREF(dn);
    Py_DECREF(attrs);
    return NULL;
}

/* The block's logical lines as the reference reads them, and `(blank, None)` if one ended it. */
static PyObject *
block_lines(Parser *self, long long blank)
{
    PyObject *lines = PyList_New(0);
    if (lines == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < self->line_count; i++) {
        PyObject *item = Py_BuildValue(
            "(Ly#)", self->lines[i].number, self->text + self->lines[i].offset,
            self->lines[i].length);
        if (item == NULL || PyList_Append(lines, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(lines);
            return NULL;
        }
        Py_DECREF(item);
    }
    if (blank > 0) {
        PyObject *item = Py_BuildValue("(LO)", blank, Py_None);
        if (item == NULL || PyList_Append(lines, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(lines);
            return NULL;
        }
        Py_DECREF(item);
    }
    return lines;
}

/* Hand the current block to `out` (ended by the blank line `blank`, or by the end: 0). */
static int
end_block(Parser *self, PyObject *out, long long blank)
{
    self->pending = 0;
    if (self->line_count == 0) {
        return 0;
    }
    if (self->text_length > self->entry_limit) {
        return give_up(self, "an entry over the entry budget");
    }
    PyObject *item = plain_entry(self);
    if (item == Py_None) {
        Py_DECREF(item);
        item = block_lines(self, blank);
        self->stop = 1;
    }
    if (item == NULL) {
        return -1;
    }
    int failed = PyList_Append(out, item);
    Py_DECREF(item);
    self->line_count = 0;
    self->text_length = 0;
    return failed;
}

/* One physical line (without its `\n`): `_logical_lines`, step by step. 1 = gave up. */
static int
physical_line(Parser *self, const char *line, Py_ssize_t length, PyObject *out)
{
    if (length > self->value_limit) {
        return give_up(self, "a line over the value budget");
    }
    self->number++;
    if (length > 0 && line[length - 1] == '\r') {
        length--;
    }
    if (length > 0 && line[0] == ' ') {
        if (self->pending) {
            Line *last = &self->lines[self->line_count - 1];
            if (last->length + length - 1 > self->value_limit) {
                return give_up(self, "a folded value over the value budget");
            }
            last->length += length - 1;
            return append_text(self, line + 1, length - 1);
        }
        if (!self->in_comment) {
            return give_up(self, "a continuation line with nothing to continue");
        }
        return 0;
    }
    self->pending = 0;
    self->in_comment = 0;
    if (self->text_length > self->entry_limit) {
        return give_up(self, "an entry over the entry budget");
    }
    if (length == 0) {
        return end_block(self, out, self->number);
    }
    if (line[0] == '#') {
        self->in_comment = 1;
        return 0;
    }
    self->pending = 1;
    return start_line(self, line, length);
}

static PyObject *
finish_call(Parser *self, PyObject *out, int status)
{
    if (status < 0) {
        Py_DECREF(out);
        return NULL;
    }
    if (status > 0 || self->failed) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    return out;
}

/* Read lines of the current input until a block comes back as lines (so that the caller's
 * reference can classify its names before the next entries) or the input ends. */
static PyObject *
run(Parser *self, int may_stop)
{
    if (self->failed) {
        Py_RETURN_NONE;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    const char *start = PyBytes_AS_STRING(self->input);
    const char *data = start + self->position;
    const char *end = start + PyBytes_GET_SIZE(self->input);
    int status = 0;
    self->stop = 0;
    while (data < end && status == 0 && !(may_stop && self->stop)) {
        const char *newline = memchr(data, '\n', end - data);
        if (newline == NULL) {
            Py_ssize_t rest = end - data;
            if (self->carry_length + rest > self->value_limit) {
                status = give_up(self, "a line over the value budget");
            }
            else if (grow(&self->carry, &self->carry_capacity, self->carry_length + rest) < 0) {
                status = -1;
            }
            else {
                memcpy(self->carry + self->carry_length, data, rest);
                self->carry_length += rest;
            }
            data = end;
            break;
        }
        if (self->carry_length) {
            Py_ssize_t part = newline - data;
            if (self->carry_length + part > self->value_limit) {
                status = give_up(self, "a line over the value budget");
                break;
            }
            if (grow(&self->carry, &self->carry_capacity, self->carry_length + part) < 0) {
                status = -1;
                break;
            }
            memcpy(self->carry + self->carry_length, data, part);
            Py_ssize_t length = self->carry_length + part;
            self->carry_length = 0;
            status = physical_line(self, self->carry, length, out);
        }
        else {
            status = physical_line(self, data, newline - data, out);
        }
        data = newline + 1;
    }
    self->position = data - start;
    return finish_call(self, out, status);
}

static PyObject *
Parser_feed(Parser *self, PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "feed() takes bytes");
        return NULL;
    }
    Py_INCREF(arg);
    Py_XSETREF(self->input, arg);
    self->position = 0;
    return run(self, 1);
}

static PyObject *
Parser_more(Parser *self, PyObject *Py_UNUSED(ignored))
{
    if (self->input == NULL) {
        return PyList_New(0);
    }
    return run(self, 1);
}

static PyObject *
Parser_pending(Parser *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(
        !self->failed && self->input != NULL && self->position < PyBytes_GET_SIZE(self->input));
}

static PyObject *
Parser_close(Parser *self, PyObject *Py_UNUSED(ignored))
{
    if (self->failed) {
        Py_RETURN_NONE;
    }
    PyObject *out = self->input != NULL ? run(self, 0) : PyList_New(0); /* the rest first */
    if (out == NULL || out == Py_None) {
        return out;
    }
    int status = 0;
    if (self->carry_length) {
        Py_ssize_t length = self->carry_length;
        self->carry_length = 0;
        status = physical_line(self, self->carry, length, out);
    }
    if (status == 0 && self->text_length > self->entry_limit) {
        status = give_up(self, "an entry over the entry budget");
    }
    if (status == 0) {
        status = end_block(self, out, 0);
    }
    return finish_call(self, out, status);
}

static int
Parser_init(Parser *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"plain", "value_limit", "entry_limit", "binary", NULL};
    PyObject *plain, *binary = Py_None;
    Py_ssize_t value_limit, entry_limit;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!nn|O", keywords, &PyDict_Type, &plain,
                                     &value_limit, &entry_limit, &binary)) {
        return -1;
    }
    Py_INCREF(binary);
    Py_XSETREF(self->binary, binary);
    Py_INCREF(plain);
    Py_XSETREF(self->plain, plain);
    for (Py_ssize_t i = 0; i < NAME_SLOTS; i++) {
        Py_CLEAR(self->names[i].spelled);
        for (int j = 0; j < NAME_VALUES; j++) {
            Py_CLEAR(self->names[i].values[j]);
        }
        self->names[i].length = 0;
    }
    self->value_limit = value_limit;
    self->entry_limit = entry_limit;
    return 0;
}

static void
Parser_dealloc(Parser *self)
{
    Py_XDECREF(self->plain);
    Py_XDECREF(self->binary);
    Py_XDECREF(self->input);
    for (Py_ssize_t i = 0; i < NAME_SLOTS; i++) {
        Py_XDECREF(self->names[i].spelled);
        for (int j = 0; j < NAME_VALUES; j++) {
            Py_XDECREF(self->names[i].values[j]);
        }
    }
    PyMem_Free(self->carry);
    PyMem_Free(self->text);
    PyMem_Free(self->lines);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Parser_reason(Parser *self, void *Py_UNUSED(closure))
{
    if (self->reason == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(self->reason);
}

static PyMethodDef Parser_methods[] = {
    {"feed", (PyCFunction)Parser_feed, METH_O, "Parse a block: the items of complete blocks."},
    {"more", (PyCFunction)Parser_more, METH_NOARGS, "The next items of the block (see pending)."},
    {"close", (PyCFunction)Parser_close, METH_NOARGS, "End of input: the last items."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Parser_getset[] = {
    {"reason", (getter)Parser_reason, NULL, "Why the parser gave up, or None.", NULL},
    {"pending", (getter)Parser_pending, NULL, "Whether `more()` has lines left to read.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "authprobe.sources.directory_files._ldif.Parser",
    .tp_basicsize = sizeof(Parser),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LDIF lines and plain entries (see authprobe/sources/directory_files/_ldif.c).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Parser_init,
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_methods = Parser_methods,
    .tp_getset = Parser_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "authprobe.sources.directory_files._ldif",
    "The byte work of the LDIF reader in C (see authprobe/sources/directory_files/_ldif.c).", -1,
    NULL,
};

PyMODINIT_FUNC
PyInit__ldif(void)
{
    if (PyType_Ready(&ParserType) < 0) {
        return NULL;
    }
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL) {
        return NULL;
    }
    Py_INCREF(&ParserType);
    if (PyModule_AddObject(mod, "Parser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(&ParserType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
