/*
 * authprobe.analysis._profile: the per-value work of authprobe/analysis/profile.py, in C.
 *
 * profile.py stays the reference; this module only does, faster, what it does (tests/unit/
 * test_profile_fast.py holds the two to the same results):
 *
 *     add(fields, attrs) -> list | None
 *         `SourceProfiler.add(record)`'s loop over `record.attrs` (not the record count): for
 *         each field already in `fields` (name -> FieldProfiler) whose values are a tuple of at
 *         most MAX_MULTI exact str, the same updates of `counts` (first seen first), `_multi`
 *         and `_extra` as `FieldProfiler.add`. Every other field (a new name, a non-str value,
 *         a list, a long tuple) is left alone and returned as a (name, values) pair, in record
 *         order, for the Python code to add; None when none is left. A field whose entry in
 *         `fields` is None is profiled elsewhere: skipped. An `attrs` that is not an
 *         exact dict is returned as `list(attrs.items())`: all of it goes to Python.
 *
 *     add_each(counts, values) -> bool
 *         `FieldProfiler.add_each`'s loop: `counts[value] = counts.get(value, 0) + 1` for each
 *         of `values`, in order (False, nothing done, when `counts` is not an exact dict).
 *
 *     shape_counts(counts, fallback) -> (shapes, awkward, shortest, longest, fold)
 *         For every distinct value of `counts` (value -> records): `value_shape(value)` summed
 *         by records into `shapes`, the records of values `AWKWARD` matches, the shortest
 *         and longest length (None for no value), and whether `str.casefold` may change one
 *         (False: it surely does not; `shapes.may_fold`). Exact ASCII str are shaped here;
 *         `fallback(value) -> (shape, awkward)` is called for anything else.
 *
 *     shape_column(values, counts, fallback) -> (shapes, awkward, shortest, longest, fold) | None
 *         The same for the distinct values of a polars column: `values` and `counts` Arrow C
 *         streams (capsules: `Series.__arrow_c_stream__()`) of text and of u32 (the records
 *         holding each value), `counts` None when each value is held by one record. A value
 *         that is not ASCII is decoded and given to `fallback`. None when the streams are not
 *         of those types without nulls, or not of one length: the caller does it another way.
 *
 *     value_shape(value) -> str, clean_shape(value) -> str
 *         `shapes.value_shape` and `shapes.clean_shape` for an ASCII str (ValueError for anything else).
 *
 * No user code runs while `attrs` is walked: names and values are exact str (their hash and
 * equality are str's), `counts` an exact dict, the counts exact ints (else Python's `+ 1`).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_profile.h"

/* Multi-valued fields with more values than this go to Python (duplicates are found by
 * comparing every pair, which only pays for a few values). */
#define MAX_MULTI 32
/* `shapes.clean_shape` cuts its last form to this many characters. */
#define SHAPE_CUT 40
/* Counts below this (in size) are added as C integers (no overflow possible). */
#define SMALL (1LL << 62)

static PyObject *s_counts, *s_extra, *s_multi, *s_sid, *s_blank, *s_whitespace, *s_spaces;
PyObject *one; /* shared with _profile_columns.c (_profile.h) */

/* ---- counting ------------------------------------------------------------------------- */

/* counts[key] = counts.get(key, 0) + by (by: an int object). 0 or -1 (error set). */
static int
bump(PyObject *counts, PyObject *key, PyObject *by)
{
    /* one lookup for a key not seen before (most of them): setdefault grows the dict */
    Py_ssize_t size = PyDict_GET_SIZE(counts);
    PyObject *old = PyDict_SetDefault(counts, key, by); /* borrowed */
    PyObject *new;
    if (old == NULL)
        return -1;
    if (PyDict_GET_SIZE(counts) != size)
        return 0;
    if (PyLong_CheckExact(old) && PyLong_CheckExact(by)) {
        int overflow = 0;
        long long a = PyLong_AsLongLongAndOverflow(old, &overflow);
        long long b = overflow ? 0 : PyLong_AsLongLongAndOverflow(by, &overflow);
        if (!overflow && a < SMALL && b < SMALL && a > -SMALL && b > -SMALL)
            new = PyLong_FromLongLong(a + b);
        else
            new = PyNumber_Add(old, by);
    }
    else {
        new = PyNumber_Add(old, by);
    }
    if (new == NULL)
        return -1;
    int rc = PyDict_SetItem(counts, key, new);
    Py_DECREF(new);
    return rc;
}

/* profiler.<name> += by. 0 or -1. */
static int
add_to_attr(PyObject *profiler, PyObject *name, Py_ssize_t by)
{
    PyObject *old = PyObject_GetAttr(profiler, name);
    if (old == NULL)
        return -1;
    PyObject *step = PyLong_FromSsize_t(by);
    PyObject *new = step ? PyNumber_Add(old, step) : NULL;
    Py_DECREF(old);
    Py_XDECREF(step);
    if (new == NULL)
        return -1;
    int rc = PyObject_SetAttr(profiler, name, new);
    Py_DECREF(new);
    return rc;
}

/* FieldProfiler.add(values) for `profiler`: 1 done, 0 left to Python (nothing changed), -1. */
static int
add_field(PyObject *profiler, PyObject *values)
{
    if (!PyTuple_CheckExact(values))
        return 0;
    Py_ssize_t n = PyTuple_GET_SIZE(values);
    if (n == 0)
        return 1;
    if (n > MAX_MULTI)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(values, i)))
            return 0;
    }
    PyObject *counts = PyObject_GetAttr(profiler, s_counts);
    if (counts == NULL)
        return -1;
    if (!PyDict_CheckExact(counts)) {
        Py_DECREF(counts);
        return 0;
    }
    int rc = 1;
    if (n == 1) {
        if (bump(counts, PyTuple_GET_ITEM(values, 0), one) < 0)
            rc = -1;
        Py_DECREF(counts);
        return rc;
    }
    /* tuple(dict.fromkeys(values)): the first of equal values, in order */
    PyObject *distinct[MAX_MULTI];
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyTuple_GET_ITEM(values, i);
        int seen = 0;
        for (Py_ssize_t j = 0; j < kept && !seen; j++) {
            seen = distinct[j] == value || PyUnicode_Compare(distinct[j], value) == 0;
        }
        if (!seen)
            distinct[kept++] = value;
    }
    if (kept > 1 && (add_to_attr(profiler, s_multi, 1) < 0 ||
                     add_to_attr(profiler, s_extra, kept - 1) < 0))
        rc = -1;
    for (Py_ssize_t j = 0; j < kept && rc == 1; j++) {
        if (bump(counts, distinct[j], one) < 0)
            rc = -1;
    }
    Py_DECREF(counts);
    return rc;
}

static PyObject *
add(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *fields, *attrs;
    if (!PyArg_ParseTuple(args, "O!O:add", &PyDict_Type, &fields, &attrs))
        return NULL;
    if (!PyDict_CheckExact(attrs) || !PyDict_CheckExact(fields)) {
        PyObject *items = PyObject_CallMethod(attrs, "items", NULL);
        PyObject *all = items == NULL ? NULL : PySequence_List(items);
        Py_XDECREF(items);
        return all;
    }
    PyObject *left = NULL;
    PyObject *name, *values;
    Py_ssize_t pos = 0;
    while (PyDict_Next(attrs, &pos, &name, &values)) {
        int done = 0;
        /* held: an int subclass's __add__ (a count that is not an exact int) could run code */
        Py_INCREF(name);
        Py_INCREF(values);
        if (PyUnicode_CheckExact(name)) {
            PyObject *profiler = PyDict_GetItemWithError(fields, name); /* borrowed */
            if (profiler == NULL && PyErr_Occurred())
                done = -1;
            if (profiler == Py_None) { /* a field profiled elsewhere: not counted */
                done = 1;
            }
            else if (profiler != NULL) {
                Py_INCREF(profiler);
                done = add_field(profiler, values);
                Py_DECREF(profiler);
            }
        }
        if (done == 0) {
            PyObject *pair = NULL;
            if ((left != NULL || (left = PyList_New(0)) != NULL) &&
                (pair = PyTuple_Pack(2, name, values)) != NULL && PyList_Append(left, pair) == 0)
                done = 1;
            else
                done = -1;
            Py_XDECREF(pair);
        }
        Py_DECREF(name);
        Py_DECREF(values);
        if (done < 0)
            goto error;
    }
    if (left == NULL)
        Py_RETURN_NONE;
    return left;
error:
    Py_XDECREF(left);
    return NULL;
}

static PyObject *
add_each(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *counts, *values;
    if (!PyArg_ParseTuple(args, "OO:add_each", &counts, &values))
        return NULL;
    if (!PyDict_CheckExact(counts))
        Py_RETURN_FALSE;
    if (PyList_CheckExact(values)) { /* as list iteration does: by index, the size read anew */
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(values); i++) {
            PyObject *value = Py_NewRef(PyList_GET_ITEM(values, i));
            int rc = bump(counts, value, one);
            Py_DECREF(value);
            if (rc < 0)
                return NULL;
        }
        Py_RETURN_TRUE;
    }
    PyObject *items = PyObject_GetIter(values);
    if (items == NULL)
        return NULL;
    PyObject *value;
    while ((value = PyIter_Next(items)) != NULL) {
        int rc = bump(counts, value, one);
        Py_DECREF(value);
        if (rc < 0)
            break;
    }
    Py_DECREF(items);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_TRUE;
}

/* ---- shapes (ASCII only) --------------------------------------------------------------- */

static int
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_hex(unsigned char c)
{
    return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* profile.AWKWARD for ASCII: whitespace and / ? # % */
static int
is_awkward(unsigned char c)
{
    return ascii_space(c) || c == '/' || c == '?' || c == '#' || c == '%';
}

/* `_case(value)`: str.islower / str.isupper for ASCII */
static const char *
case_of(const unsigned char *p, Py_ssize_t n)
{
    int lower = 0, upper = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        lower |= p[i] >= 'a' && p[i] <= 'z';
        upper |= p[i] >= 'A' && p[i] <= 'Z';
    }
    if (lower && !upper)
        return "lower";
    if (upper && !lower)
        return "UPPER";
    return "Mixed";
}

/* whether a match up to `at` may end there: `$` matches at the end or before a final newline */
static int
ends_at(Py_ssize_t at, Py_ssize_t n, const unsigned char *p)
{
    return at == n || (at == n - 1 && p[at] == '\n');
}

/* _UUID.match */
static int
is_uuid(const unsigned char *p, Py_ssize_t n)
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    Py_ssize_t at = 0;
    for (int g = 0; g < 5; g++) {
        if (g > 0) {
            if (at >= n || p[at] != '-')
                return 0;
            at++;
        }
        for (int k = 0; k < groups[g]; k++, at++) {
            if (at >= n || !is_hex(p[at]))
                return 0;
        }
    }
    return ends_at(at, n, p);
}

/* _SID.match: S-1-\d+(-\d+)+$ */
static int
is_sid(const unsigned char *p, Py_ssize_t n)
{
    if (n < 4 || memcmp(p, "S-1-", 4) != 0)
        return 0;
    Py_ssize_t at = 4;
    int groups = 0;
    for (;;) {
        Py_ssize_t start = at;
        while (at < n && ascii_digit(p[at]))
            at++;
        if (at == start)
            return 0;
        groups++;
        if (at < n && p[at] == '-' && at + 1 < n && ascii_digit(p[at + 1])) {
            at++;
            continue;
        }
        return groups >= 2 && ends_at(at, n, p);
    }
}

static PyObject *
ascii_text(const char *text, Py_ssize_t size)
{
    PyObject *out = PyUnicode_New(size, 127);
    if (out != NULL)
        memcpy(PyUnicode_DATA(out), text, (size_t)size);
    return out;
}

/* Room `shape_into` may write for a value of n bytes: an email's domain, or a short form. */
#define SHAPE_ROOM(n) ((size_t)(n) + 64)

/* `shapes.clean_shape(value)` for the ASCII value p[:n], written to `out` (SHAPE_ROOM(n) bytes):
 * its length; or -1 with `*fixed` set to a shared str (borrowed) for a shape that is one */
static Py_ssize_t
clean_into(const unsigned char *p, Py_ssize_t n, char *out, PyObject **fixed)
{
    Py_ssize_t digits = 0, alpha = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        digits += ascii_digit(p[i]);
        alpha += is_alpha(p[i]);
    }
    if (n > 0 && digits == n)
        return snprintf(out, 64, "%zd digits%s", n, n > 1 && p[0] == '0' ? ", leading zero" : "");
    const unsigned char *at = n > 0 ? memchr(p, '@', (size_t)n) : NULL;
    if (at != NULL) {
        const unsigned char *last = p + n - 1;
        while (*last != '@')
            last--;
        Py_ssize_t start = last - p + 1;
        if (last > p && memchr(last + 1, '.', (size_t)(n - start)) != NULL) {
            memcpy(out, "email @", 7);
            for (Py_ssize_t i = start; i < n; i++)
                out[7 + i - start] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
            return 7 + n - start;
        }
    }
    if (n > 0 && alpha == n)
        return snprintf(out, 64, "%s letters", case_of(p, n));
    if (n > 0 && alpha + digits == n)
        return snprintf(out, 64, "%s alnum", case_of(p, n));
    if (is_uuid(p, n)) {
        memcpy(out, "uuid", 4);
        return 4;
    }
    if (is_sid(p, n)) {
        *fixed = s_sid;
        return -1;
    }
    char seen[128] = {0};
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!ascii_digit(p[i]) && !is_alpha(p[i]))
            seen[p[i]] = 1;
    }
    int size = snprintf(out, 64, "%s alnum+", case_of(p, n));
    for (int c = 0; c < 128 && size < SHAPE_CUT; c++) {
        if (seen[c])
            out[size++] = (char)c;
    }
    return size;
}

/* `value_shape(value)` for the ASCII value p[:n], as `clean_into` gives it */
static Py_ssize_t
value_into(const unsigned char *p, Py_ssize_t n, char *out, PyObject **fixed)
{
    Py_ssize_t spaces = 0;
    while (spaces < n && ascii_space(p[spaces]))
        spaces++;
    if (spaces == n)
        *fixed = s_blank;
    else if (spaces > 0 || ascii_space(p[n - 1]))
        *fixed = s_whitespace;
    else if (memchr(p, ' ', (size_t)n) != NULL)
        *fixed = s_spaces;
    else
        return clean_into(p, n, out, fixed);
    return -1;
}

/* A new str of what `into` writes for the ASCII value p[:n] (NULL: an exception set). */
static PyObject *
shape_object(Py_ssize_t (*into)(const unsigned char *, Py_ssize_t, char *, PyObject **),
             const unsigned char *p, Py_ssize_t n)
{
    char local[256];
    char *out = SHAPE_ROOM(n) <= sizeof local ? local : PyMem_Malloc(SHAPE_ROOM(n));
    if (out == NULL)
        return PyErr_NoMemory();
    PyObject *fixed = NULL;
    Py_ssize_t size = into(p, n, out, &fixed);
    PyObject *shape = size < 0 ? Py_NewRef(fixed) : ascii_text(out, size);
    if (out != local)
        PyMem_Free(out);
    return shape;
}

/* `shapes.clean_shape(value)` for the ASCII value p[:n]: a new str */
static PyObject *
clean_shape(const unsigned char *p, Py_ssize_t n)
{
    return shape_object(clean_into, p, n);
}

/* `value_shape(value)` for the ASCII value p[:n]: a new str */
static PyObject *
value_shape(const unsigned char *p, Py_ssize_t n)
{
    return shape_object(value_into, p, n);
}

/* whether `value` is an exact str of ASCII characters (their bytes at PyUnicode_DATA) */
static int
is_ascii_str(PyObject *value)
{
    if (!PyUnicode_CheckExact(value))
        return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(value) < 0) { /* a legacy str (gone in 3.12): let Python see it */
        PyErr_Clear();
        return 0;
    }
#endif
    return PyUnicode_IS_ASCII(value);
}

static int
ascii_arg(PyObject *value, const unsigned char **p, Py_ssize_t *n)
{
    if (!is_ascii_str(value)) {
        PyErr_SetString(PyExc_ValueError, "only an ASCII str is shaped in C");
        return -1;
    }
    *p = PyUnicode_DATA(value);
    *n = PyUnicode_GET_LENGTH(value);
    return 0;
}

static PyObject *
py_value_shape(PyObject *Py_UNUSED(module), PyObject *value)
{
    const unsigned char *p;
    Py_ssize_t n;
    return ascii_arg(value, &p, &n) < 0 ? NULL : value_shape(p, n);
}

static PyObject *
py_clean_shape(PyObject *Py_UNUSED(module), PyObject *value)
{
    const unsigned char *p;
    Py_ssize_t n;
    return ascii_arg(value, &p, &n) < 0 ? NULL : clean_shape(p, n);
}

/* shape and awkwardness of one value: C for an exact ASCII str, else fallback(value); `fold`
 * set when str.casefold may change the value (a capital, or not an ASCII str) */
PyObject *
shape_one(PyObject *value, PyObject *fallback, int *awkward, int *fold)
{
    if (is_ascii_str(value)) {
        const unsigned char *p = PyUnicode_DATA(value);
        Py_ssize_t n = PyUnicode_GET_LENGTH(value);
        *awkward = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            *awkward |= is_awkward(p[i]);
            *fold |= p[i] >= 'A' && p[i] <= 'Z';
        }
        return value_shape(p, n);
    }
    *fold = 1;
    PyObject *pair = PyObject_CallOneArg(fallback, value);
    if (pair == NULL)
        return NULL;
    if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
        Py_DECREF(pair);
        PyErr_SetString(PyExc_TypeError, "fallback must return (shape, awkward)");
        return NULL;
    }
    *awkward = PyObject_IsTrue(PyTuple_GET_ITEM(pair, 1));
    PyObject *shape = *awkward < 0 ? NULL : Py_NewRef(PyTuple_GET_ITEM(pair, 0));
    Py_DECREF(pair);
    return shape;
}


/* shapes[shape] += records (records > 0). 0 or -1. */
int
bump_by(PyObject *shapes, PyObject *shape, unsigned long long records)
{
    PyObject *by = records == 1 ? Py_NewRef(one) : PyLong_FromUnsignedLongLong(records);
    int rc = by == NULL ? -1 : bump(shapes, shape, by);
    Py_XDECREF(by);
    return rc;
}

/* `records` more records of the shape written in out[:size] (or of `fixed`, size < 0). */
static int
recent_add(Recent *recent, PyObject *shapes, const char *out, Py_ssize_t size, PyObject *fixed,
           unsigned long long records)
{
    for (int i = 0; i < recent->used; i++) {
        PyObject *known = recent->shape[i];
        if (size < 0 ? known == fixed
                     : known != s_sid && PyUnicode_GET_LENGTH(known) == size &&
                           memcmp(PyUnicode_DATA(known), out, (size_t)size) == 0) {
            recent->records[i] += records;
            return 0;
        }
    }
    PyObject *shape = size < 0 ? Py_NewRef(fixed) : ascii_text(out, size);
    if (shape == NULL)
        return -1;
    if (recent->used < RECENT) {
        recent->shape[recent->used] = shape;
        recent->records[recent->used++] = records;
        return 0;
    }
    int rc = bump_by(shapes, shape, records);
    Py_DECREF(shape);
    return rc;
}

/* The recent shapes' records added to the dict; the shapes let go. 0 or -1. */
int
recent_flush(Recent *recent, PyObject *shapes)
{
    int rc = 0;
    for (int i = 0; i < recent->used; i++) {
        if (rc == 0)
            rc = bump_by(shapes, recent->shape[i], recent->records[i]);
        Py_DECREF(recent->shape[i]);
    }
    recent->used = 0;
    return rc;
}

/* The ASCII value p[:n], held by `records` records: whether `AWKWARD` matches it (`*bad`),
 * whether casefold may change it (`*fold` set), and its shape counted among the recent ones
 * (written into `*out`, grown to SHAPE_ROOM(n)). 0 or -1. */
int
shape_ascii(const unsigned char *p, Py_ssize_t n, unsigned long long records, Recent *recent,
            PyObject *shapes, char **out, size_t *room, int *bad, int *fold)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        *bad |= is_awkward(p[i]);
        *fold |= p[i] >= 'A' && p[i] <= 'Z';
    }
    if (SHAPE_ROOM(n) > *room) {
        char *grown = PyMem_Realloc(*out, SHAPE_ROOM(n));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *out = grown;
        *room = SHAPE_ROOM(n);
    }
    PyObject *fixed = NULL;
    Py_ssize_t written = value_into(p, n, *out, &fixed);
    return recent_add(recent, shapes, *out, written, fixed, records);
}

static PyObject *
shape_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *counts, *fallback;
    if (!PyArg_ParseTuple(args, "O!O:shape_counts", &PyDict_Type, &counts, &fallback))
        return NULL;
    PyObject *shapes = PyDict_New();
    PyObject *awkward = PyLong_FromLong(0);
    Py_ssize_t shortest = PY_SSIZE_T_MAX, longest = -1;
    int fold = 0;
    PyObject *value, *count;
    Py_ssize_t pos = 0;
    Recent recent = {.used = 0};
    char *out = NULL;
    size_t room = 0;
    if (shapes == NULL || awkward == NULL)
        goto error;
    while (PyDict_Next(counts, &pos, &value, &count)) {
        Py_INCREF(value);
        Py_INCREF(count);
        int bad = 0, rc = 0;
        Py_ssize_t length = -1;
        /* an ASCII str held by a count that fits: shaped into the buffer, kept among the
         * recent shapes; anything else as shape_one says, straight into the dict */
        int overflow = 1;
        long long small = PyLong_CheckExact(count) ? PyLong_AsLongLongAndOverflow(count, &overflow)
                                                   : 0;
        if (is_ascii_str(value) && !overflow && small > 0 && small < (1LL << 32)) {
            length = PyUnicode_GET_LENGTH(value);
            rc = shape_ascii(PyUnicode_DATA(value), length, (unsigned long long)small, &recent,
                             shapes, &out, &room, &bad, &fold);
        }
        else {
            if (overflow == 0 && PyErr_Occurred())
                PyErr_Clear(); /* not an exact int, or -1 read: the general way */
            PyObject *shape = shape_one(value, fallback, &bad, &fold);
            length = shape == NULL ? -1 : PyObject_Length(value);
            rc = shape == NULL || length < 0 ? -1 : bump(shapes, shape, count);
            Py_XDECREF(shape);
        }
        if (rc == 0 && bad) {
            PyObject *sum = PyNumber_Add(awkward, count);
            if (sum == NULL)
                rc = -1;
            else
                Py_SETREF(awkward, sum);
        }
        Py_DECREF(value);
        Py_DECREF(count);
        if (rc < 0)
            goto error;
        if (length < shortest)
            shortest = length;
        if (length > longest)
            longest = length;
    }
    PyMem_Free(out);
    out = NULL;
    if (recent_flush(&recent, shapes) < 0)
        goto error;
    if (longest < 0)
        return Py_BuildValue("(NNOOO)", shapes, awkward, Py_None, Py_None, Py_False);
    return Py_BuildValue("(NNnnO)", shapes, awkward, shortest, longest,
                         fold ? Py_True : Py_False);
error:
    for (int i = 0; i < recent.used; i++)
        Py_DECREF(recent.shape[i]);
    PyMem_Free(out);
    Py_XDECREF(shapes);
    Py_XDECREF(awkward);
    return NULL;
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS,
     "add(fields, attrs) -> list | None\n\nSourceProfiler.add's loop over attrs; returns the "
     "(name, values) pairs left to the Python code, or None."},
    {"add_each", add_each, METH_VARARGS,
     "add_each(counts, values) -> bool\n\nFieldProfiler.add_each's loop; False (nothing done) "
     "when counts is not an exact dict."},
    {"shape_counts", shape_counts, METH_VARARGS,
     "shape_counts(counts, fallback) -> (shapes, awkward, shortest, longest, fold)\n\n"
     "value_shape summed by records, the records of awkward values, the shortest and longest "
     "length, whether casefold may change a value."},
    {"shape_column", shape_column, METH_VARARGS,
     "shape_column(values, counts, fallback) -> (shapes, awkward, shortest, longest, fold) | "
     "None\n\nshape_counts for the distinct values of a column (Arrow C streams of text and u32 "
     "counts, or None: one record each)."},
    {"value_shape", py_value_shape, METH_O, "value_shape(value) for an ASCII str."},
    {"clean_shape", py_clean_shape, METH_O, "shapes.clean_shape(value) for an ASCII str."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "authprobe.analysis._profile",
    "The per-value work of analysis/profile.py in C (see authprobe/analysis/_profile.c).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__profile(void)
{
    s_counts = PyUnicode_InternFromString("counts");
    s_extra = PyUnicode_InternFromString("_extra");
    s_multi = PyUnicode_InternFromString("_multi");
    s_sid = PyUnicode_FromString("sid (S-1-\xe2\x80\xa6)");
    s_blank = PyUnicode_FromString("blank");
    s_whitespace = PyUnicode_FromString("leading/trailing whitespace");
    s_spaces = PyUnicode_FromString("text with spaces");
    one = PyLong_FromLong(1);
    if (!s_counts || !s_extra || !s_multi || !s_sid || !s_blank || !s_whitespace || !s_spaces ||
        !one)
        return NULL;
    return PyModule_Create(&module);
}
