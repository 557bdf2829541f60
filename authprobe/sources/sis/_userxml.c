/*
 * authprobe.sources.sis._userxml: the Alma user XML reader of user_xml.py + extract.py, in C.
 *
 * A libxml2 SAX2 push parser (no tree) that turns each <user> into the Record that
 * `UserReader.read` makes of it, and reports the skips `UserReader` and `SisExtract._users`
 * count, in their order. The Python path (lxml) is the reference; this module never guesses:
 * on anything it does not reproduce exactly (any libxml2 error or warning, a DTD, an entity
 * reference, a <user> at an unexpected depth, a line above 65,535 in a layout whose lxml line
 * it does not reproduce, a text of more than TEXT_LIMIT bytes, ...) it stops and says why
 * (`Parser.reason`), and the caller reads the document again with lxml (fast_users.py).
 *
 *     Parser(namespace, label, record_type, user_children, info_fields, empty_identifier)
 *     .feed(block) -> list of records completed, or None (fall back)
 *     .close()     -> list of the last records, or None (fall back)
 *     .take_skips() -> [(code, line)]: 0 = identifier without id_type, 1 = not a <user>
 *     .reason      -> why it stopped (None while it has not)
 *
 * Hardened like authprobe.xmlsafe: no entity substitution, no DTD loading, no network, and
 * libxml2's default limits (no XML_PARSE_HUGE).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "../../_ascii.h"

#define MAX_DEPTH 64
#define TEXT_LIMIT (4 * 1000 * 1000) /* lxml's libxml2 refuses text nodes above 10,000,000 */
#define BIG_LINE 65535               /* libxml2 keeps lines from here on outside the node */
#define SHORT_TEXT 300               /* XML_PARSER_BIG_BUFFER_SIZE: one callback below it */
#define CACHE_SIZE 512 /* 2^9: the top 9 bits of the hash */
#define LINE_UNKNOWN (-1L)

/* what a child of <user> is (UserReader's kinds) */
enum { K_UNKNOWN = 0, K_KNOWN, K_PRIMARY, K_IDS, K_CONTACT, K_INFO };
/* names with a role elsewhere */
enum { S_NONE = 0, S_USER, S_LIST, S_ID_TYPE, S_VALUE, S_EMAILS, S_EMAIL_ADDRESS, S_PREFERRED };
/* the role of an open element */
enum {
    F_OTHER = 0, F_ROOT, F_ROOT_CHILD, F_USER, F_U_PRIMARY, F_U_INFO, F_U_IDS, F_U_CONTACT,
    F_ID, F_ID_TYPE, F_ID_VALUE, F_EMAILS, F_EMAIL, F_EMAIL_ADDRESS, F_EMAIL_PREFERRED
};
enum { N_NONE = 0, N_TEXT, N_ELEMENT, N_OTHER };

typedef struct {
    const char *name;
    int kind;  /* K_* as a child of <user> (K_UNKNOWN: not one) */
    int info;  /* index in info_fields when kind == K_INFO */
    int special;
} Name;

typedef struct {
    const xmlChar *ptr;
    const Name *name;
} CacheEntry;

typedef struct {
    int role;
    int info;         /* F_U_INFO: index of the field */
    int first;        /* N_*: the element's first child node */
    int lead;         /* still before the first child node */
    int collect;      /* its leading text is kept (in Parser.text) */
    int first_node;   /* it is its parent's first child node */
    long line;        /* the line libxml2 gives it (of the end of the start tag) */
    long text_line;   /* the line at the first callback of its leading text */
    int text_calls;   /* callbacks of its leading text */
    int text_cdata;   /* the leading text has a CDATA section */
    Py_ssize_t text_bytes;
    Py_ssize_t text_newlines;
    long child_line;  /* lxml's line of its first child element (LINE_UNKNOWN if not known) */
} Frame;

#define TEXT_CACHE 256 /* short stripped values seen again (groups, types, dates) */
#define TEXT_CACHED 40

typedef struct {
    Py_ssize_t len;
    char bytes[TEXT_CACHED];
    PyObject *str;
} TextEntry;

typedef struct {
    PyObject_HEAD
    xmlParserCtxtPtr ctxt;
    char *ns;
    const xmlChar *ns_ptr; /* the dictionary's copy of ns, once seen */
    PyObject *label;
    PyObject *record_type;
    PyObject *info_keys;  /* tuple of str */
    PyObject *empty_key;  /* user_xml.EMPTY_IDENTIFIER */
    PyObject *keep;       /* the user_children sequence (its str hold the names' bytes) */
    Name *names;
    Py_ssize_t n_names;
    CacheEntry cache[CACHE_SIZE];
    PyObject *out;        /* records completed since the last feed */
    PyObject *skips;      /* (code, line) since the last take_skips */
    PyObject *reason;     /* str once stopped */
    int py_error;
    int closed;
    int depth;            /* open elements */
    int user_depth;       /* 0 (the root is the user) or 1; -1 before the root */
    int users_seen;
    Py_ssize_t run;       /* bytes of the current text node */
    Frame frames[MAX_DEPTH];
    /* leading text of the collecting element */
    char *text;
    Py_ssize_t text_len, text_cap;
    /* the root's children that are not users, since the last user: their lxml lines */
    long *pending;
    Py_ssize_t n_pending, cap_pending;
    /* the user being read */
    PyObject *attrs, *info, *primary, *unknown;
    PyObject *id_type, *value;           /* the identifier being read (NULL: None) */
    PyObject *addresses, *preferred;     /* the contact_info being read */
    PyObject *keys;                      /* id_type -> "identifier:<id_type>" */
    TextEntry texts[TEXT_CACHE];
    PyObject *address;                   /* the email being read */
    int flag;
} Parser;

static PyObject *S_PRIMARY_ID, *S_EMAIL, *S_EMAIL_ALL, *S_UNKNOWN_ELEMENTS, *S_PREFERRED_EMAILS,
    *S_USER_GROUP, *S_STRIP, *S_LOWER, *S_TRUE, *S_ONE, *S_COMMA;

static const char *SPECIALS[][2] = {
    {"user", (const char *)(long)S_USER}, {"users", (const char *)(long)S_LIST},
    {"userRecords", (const char *)(long)S_LIST}, {"id_type", (const char *)(long)S_ID_TYPE},
    {"value", (const char *)(long)S_VALUE}, {"emails", (const char *)(long)S_EMAILS},
    {"email_address", (const char *)(long)S_EMAIL_ADDRESS},
    {"preferred", (const char *)(long)S_PREFERRED},
};
#define N_SPECIALS (sizeof(SPECIALS) / sizeof(SPECIALS[0]))

static const Name NO_NAME = {NULL, K_UNKNOWN, 0, S_NONE};

/* ---- stopping ---------------------------------------------------------------------------- */

static void
stop(Parser *p, const char *why)
{
    if (p->reason == NULL) {
        p->reason = PyUnicode_FromString(why);
        if (p->reason == NULL) {
            p->py_error = 1;
        }
    }
    if (p->ctxt != NULL) {
        xmlStopParser(p->ctxt);
    }
}

static void
py_failed(Parser *p)
{
    p->py_error = 1;
    stop(p, "Python error");
}

#define STOPPED(p) ((p)->reason != NULL || (p)->py_error)

/* ---- names ------------------------------------------------------------------------------- */

static const Name *
lookup(Parser *p, const xmlChar *localname)
{
    /* names in the dictionary lie side by side: hash every bit of the address */
    size_t slot = (size_t)(((uint64_t)(uintptr_t)localname * 0x9E3779B97F4A7C15ULL) >> 55);
    CacheEntry *entry = &p->cache[slot];
    if (entry->ptr == localname) {
        return entry->name;
    }
    const Name *found = &NO_NAME;
    for (Py_ssize_t i = 0; i < p->n_names; i++) {
        if (strcmp(p->names[i].name, (const char *)localname) == 0) {
            found = &p->names[i];
            break;
        }
    }
    entry->ptr = localname; /* names are in the parser's dictionary: stable pointers */
    entry->name = found;
    return found;
}

static int
in_ns(Parser *p, const xmlChar *uri)
{
    if (p->ns == NULL) {
        return uri == NULL;
    }
    if (uri == NULL) {
        return 0;
    }
    if (uri == p->ns_ptr) {
        return 1;
    }
    if (strcmp((const char *)uri, p->ns) == 0) {
        p->ns_ptr = uri;
        return 1;
    }
    return 0;
}

/* ---- text -------------------------------------------------------------------------------- */

/* UTF-8 text as a str, short ones from the parser's cache (str are immutable) */
static PyObject *
cached_text(Parser *p, const char *s, Py_ssize_t n)
{
    if (n > TEXT_CACHED) {
        return PyUnicode_DecodeUTF8(s, n, NULL);
    }
    uint32_t hash = 2166136261u;
    for (Py_ssize_t i = 0; i < n; i++) {
        hash = (hash ^ (unsigned char)s[i]) * 16777619u;
    }
    TextEntry *entry = &p->texts[hash % TEXT_CACHE];
    if (entry->str != NULL && entry->len == n && memcmp(entry->bytes, s, n) == 0) {
        return Py_NewRef(entry->str);
    }
    PyObject *text = PyUnicode_DecodeUTF8(s, n, NULL);
    if (text != NULL) {
        Py_XSETREF(entry->str, Py_NewRef(text));
        entry->len = n;
        if (n > 0) {
            memcpy(entry->bytes, s, n);
        }
    }
    return text;
}

/* str.strip() of UTF-8 text (Unicode whitespace: non-ASCII edges go through Python) */
static PyObject *
stripped(Parser *p, const char *s, Py_ssize_t n)
{
    Py_ssize_t a = 0, b = n;
    while (a < b && ascii_space((unsigned char)s[a])) {
        a++;
    }
    while (b > a && ascii_space((unsigned char)s[b - 1])) {
        b--;
    }
    if (a == b || ((unsigned char)s[a] < 0x80 && (unsigned char)s[b - 1] < 0x80)) {
        return cached_text(p, s + a, b - a);
    }
    PyObject *text = PyUnicode_DecodeUTF8(s + a, b - a, NULL);
    if (text == NULL) {
        return NULL;
    }
    PyObject *result = PyObject_CallMethodNoArgs(text, S_STRIP);
    Py_DECREF(text);
    return result;
}

/* `not text.strip()` for a str (1 blank, 0 not, -1 error) */
static int
blank(PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text)) {
        const unsigned char *s = PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!ascii_space(s[i])) {
                return 0;
            }
        }
        return 1;
    }
    PyObject *s = PyObject_CallMethodNoArgs(text, S_STRIP);
    if (s == NULL) {
        return -1;
    }
    int result = PyUnicode_GET_LENGTH(s) == 0;
    Py_DECREF(s);
    return result;
}

/* `text.strip().lower() in {"true", "1"}` for UTF-8 text (1, 0, -1 error) */
static int
truthy(Parser *p, const char *s, Py_ssize_t n)
{
    PyObject *text = stripped(p, s, n);
    if (text == NULL) {
        return -1;
    }
    PyObject *lower = PyObject_CallMethodNoArgs(text, S_LOWER);
    Py_DECREF(text);
    if (lower == NULL) {
        return -1;
    }
    int result = PyUnicode_Compare(lower, S_TRUE) == 0 || PyUnicode_Compare(lower, S_ONE) == 0;
    Py_DECREF(lower);
    if (PyErr_Occurred()) {
        return -1;
    }
    return result;
}

/* the collected leading text as a str, or NULL with *none set (lxml's .text is None) */
static PyObject *
leading_text(Parser *p, Frame *f, int *none)
{
    *none = f->first != N_TEXT;
    if (*none) {
        return NULL;
    }
    return PyUnicode_DecodeUTF8(p->text, p->text_len, NULL);
}

/* ---- lines ------------------------------------------------------------------------------- */

/* lxml's `sourceline` of a complete element (libxml2's xmlGetLineNo), when it is known */
static long
lxml_line(Frame *f)
{
    if (f->line < BIG_LINE) {
        return f->line;
    }
    if (f->first == N_TEXT) {
        /* the text node keeps the line of its creation: the first callback, once for all
         * when the text is short, literal and delivered at once */
        if (f->text_calls == 1 && !f->text_cdata && f->text_bytes < SHORT_TEXT) {
            return f->text_line;
        }
        return LINE_UNKNOWN;
    }
    if (f->first == N_ELEMENT) {
        return f->child_line;
    }
    return LINE_UNKNOWN;
}

/* lxml's line of a first child element, one level down only (a text first child) */
static long
child_lxml_line(Frame *f)
{
    if (f->line < BIG_LINE) {
        return f->line;
    }
    if (f->first == N_TEXT && f->text_calls == 1 && !f->text_cdata &&
        f->text_bytes < SHORT_TEXT) {
        return f->text_line;
    }
    return LINE_UNKNOWN;
}

/* ---- records ----------------------------------------------------------------------------- */

/* A tuple of str cannot be part of a cycle: out of the collector's sight (as CPython's own
 * collector leaves such tuples), and so are the dicts of them, and the collector does not walk
 * a million records' values again and again. */
static PyObject *
untracked(PyObject *tuple)
{
    if (tuple != NULL) {
        PyObject_GC_UnTrack(tuple);
    }
    return tuple;
}

static void
user_clear(Parser *p)
{
    Py_CLEAR(p->attrs);
    Py_CLEAR(p->info);
    Py_CLEAR(p->primary);
    Py_CLEAR(p->unknown);
    Py_CLEAR(p->id_type);
    Py_CLEAR(p->value);
    Py_CLEAR(p->addresses);
    Py_CLEAR(p->preferred);
    Py_CLEAR(p->address);
}

static int
user_start(Parser *p)
{
    user_clear(p);
    p->attrs = PyDict_New();
    p->info = PyDict_New();
    return (p->attrs && p->info) ? 0 : -1;
}

static int
add_skip(Parser *p, int code, long line)
{
    PyObject *item = Py_BuildValue("(il)", code, line);
    if (item == NULL) {
        return -1;
    }
    int result = PyList_Append(p->skips, item);
    Py_DECREF(item);
    return result;
}

static int
flush_pending(Parser *p)
{
    for (Py_ssize_t i = 0; i < p->n_pending; i++) {
        if (add_skip(p, 1, p->pending[i]) < 0) {
            return -1;
        }
    }
    p->n_pending = 0;
    return 0;
}

/* f"{label}:{line}" (an ASCII label, the usual path, without the formatter) */
static PyObject *
make_ref(Parser *p, long line)
{
    if (!PyUnicode_IS_ASCII(p->label)) {
        return PyUnicode_FromFormat("%U:%ld", p->label, line);
    }
    char digits[32];
    int nd = snprintf(digits, sizeof(digits), ":%ld", line);
    Py_ssize_t n = PyUnicode_GET_LENGTH(p->label);
    PyObject *ref = PyUnicode_New(n + nd, 127);
    if (ref != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(ref), PyUnicode_1BYTE_DATA(p->label), n);
        memcpy(PyUnicode_1BYTE_DATA(ref) + n, digits, nd);
    }
    return ref;
}

static int
user_end(Parser *p, Frame *f)
{
    long line = lxml_line(f);
    if (line == LINE_UNKNOWN) {
        stop(p, "a <user> above line 65,535 in a layout whose lxml line is not reproduced");
        return 0;
    }
    if (line >= BIG_LINE && f->first == N_TEXT) {
        line -= (long)f->text_newlines; /* user_xml._start_line */
    }
    if (p->primary != NULL) {
        int b = blank(p->primary);
        if (b < 0) {
            return -1;
        }
        if (!b) {
            PyObject *one = untracked(PyTuple_Pack(1, p->primary));
            if (one == NULL || PyDict_SetItem(p->attrs, S_PRIMARY_ID, one) < 0) {
                Py_XDECREF(one);
                return -1;
            }
            Py_DECREF(one);
        }
    }
    if (p->unknown != NULL && PyList_GET_SIZE(p->unknown) > 0) {
        PyObject *joined = PyUnicode_Join(S_COMMA, p->unknown);
        if (joined == NULL || PyDict_SetItem(p->info, S_UNKNOWN_ELEMENTS, joined) < 0) {
            Py_XDECREF(joined);
            return -1;
        }
        Py_DECREF(joined);
    }
    PyObject *group = PyDict_GetItemWithError(p->info, S_USER_GROUP);
    if (group == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (group != NULL) {
        Py_INCREF(group);
        PyUnicode_InternInPlace(&group);
        if (PyDict_SetItem(p->info, S_USER_GROUP, group) < 0) {
            Py_DECREF(group);
            return -1;
        }
    }
    else {
        group = Py_NewRef(Py_None);
    }
    PyObject *ref = make_ref(p, line);
    if (ref == NULL) {
        Py_DECREF(group);
        return -1;
    }
    PyObject *args[4] = {ref, p->attrs, group, p->info};
    PyObject *record = PyObject_Vectorcall(p->record_type, args, 4, NULL);
    Py_DECREF(ref);
    Py_DECREF(group);
    if (record == NULL) {
        return -1;
    }
    int result = PyList_Append(p->out, record);
    Py_DECREF(record);
    user_clear(p);
    if (result < 0) {
        return -1;
    }
    p->users_seen = 1;
    return flush_pending(p); /* extract._users counts the elements before it after reading it */
}

static int
identifier_end(Parser *p, Frame *f)
{
    /* (id_type or "").strip(): p->id_type is already stripped */
    PyObject *id_type = p->id_type ? Py_NewRef(p->id_type) : PyUnicode_FromStringAndSize("", 0);
    if (id_type == NULL) {
        return -1;
    }
    int result = -1;
    int empty_value = p->value == NULL;
    if (!empty_value) {
        empty_value = blank(p->value);
        if (empty_value < 0) {
            goto done;
        }
    }
    if (empty_value) {
        PyObject *name = PyUnicode_GET_LENGTH(id_type) ? Py_NewRef(id_type)
                                                       : PyUnicode_FromString("(no id_type)");
        if (name == NULL) {
            goto done;
        }
        PyObject *before = PyDict_GetItemWithError(p->info, p->empty_key);
        PyObject *entry;
        if (before != NULL && PyUnicode_GET_LENGTH(before) > 0) {
            entry = PyUnicode_FromFormat("%U,%U", before, name);
        }
        else if (PyErr_Occurred()) {
            entry = NULL;
        }
        else {
            entry = Py_NewRef(name);
        }
        Py_DECREF(name);
        if (entry == NULL) {
            goto done;
        }
        result = PyDict_SetItem(p->info, p->empty_key, entry);
        Py_DECREF(entry);
        goto done;
    }
    if (PyUnicode_GET_LENGTH(id_type) == 0) {
        long line = lxml_line(f);
        if (line == LINE_UNKNOWN) {
            stop(p, "a user_identifier above line 65,535 in a layout whose lxml line is not "
                    "reproduced");
            result = 0;
            goto done;
        }
        result = add_skip(p, 0, line);
        goto done;
    }
    PyObject *key = PyDict_GetItemWithError(p->keys, id_type);
    if (key != NULL) {
        Py_INCREF(key);
    }
    else if (PyErr_Occurred()) {
        goto done;
    }
    else {
        key = PyUnicode_FromFormat("identifier:%U", id_type);
        if (key == NULL) {
            goto done;
        }
        if (PyDict_GET_SIZE(p->keys) < 1000 && PyDict_SetItem(p->keys, id_type, key) < 0) {
            Py_DECREF(key);
            goto done;
        }
    }
    PyObject *values = PyDict_GetItemWithError(p->attrs, key);
    PyObject *more;
    if (values != NULL) {
        Py_ssize_t n = PyTuple_GET_SIZE(values);
        more = PyTuple_New(n + 1);
        if (more != NULL) {
            for (Py_ssize_t i = 0; i < n; i++) {
                PyTuple_SET_ITEM(more, i, Py_NewRef(PyTuple_GET_ITEM(values, i)));
            }
            PyTuple_SET_ITEM(more, n, Py_NewRef(p->value));
            untracked(more);
        }
    }
    else {
        more = PyErr_Occurred() ? NULL : untracked(PyTuple_Pack(1, p->value));
    }
    if (more != NULL) {
        result = PyDict_SetItem(p->attrs, key, more);
        Py_DECREF(more);
    }
    Py_DECREF(key);
done:
    Py_DECREF(id_type);
    return result;
}

static int
contact_end(Parser *p)
{
    Py_ssize_t n = PyList_GET_SIZE(p->addresses);
    Py_ssize_t np = PyList_GET_SIZE(p->preferred);
    if (n > 0) {
        PyObject *first = np ? PyList_GET_ITEM(p->preferred, 0) : PyList_GET_ITEM(p->addresses, 0);
        PyObject *one = untracked(PyTuple_Pack(1, first));
        PyObject *all = untracked(PyList_AsTuple(p->addresses));
        int bad = one == NULL || all == NULL || PyDict_SetItem(p->attrs, S_EMAIL, one) < 0 ||
                  PyDict_SetItem(p->attrs, S_EMAIL_ALL, all) < 0;
        Py_XDECREF(one);
        Py_XDECREF(all);
        if (bad) {
            return -1;
        }
    }
    if (np > 1) {
        PyObject *count = PyUnicode_FromFormat("%zd", np);
        if (count == NULL || PyDict_SetItem(p->info, S_PREFERRED_EMAILS, count) < 0) {
            Py_XDECREF(count);
            return -1;
        }
        Py_DECREF(count);
    }
    Py_CLEAR(p->addresses);
    Py_CLEAR(p->preferred);
    return 0;
}

/* ---- SAX callbacks ----------------------------------------------------------------------- */

/* Errors and warnings: libxml2 hands the structured handler (and the old ones) the parser's
 * user data, this Parser. Any of them sends the document to lxml. */
static void
on_error(void *ctx, const char *msg, ...)
{
    (void)msg;
    stop((Parser *)ctx, "libxml2 reported an error or a warning");
}

static void
on_serror(void *ctx, xmlErrorPtr error)
{
    (void)error;
    stop((Parser *)ctx, "libxml2 reported an error or a warning");
}

/* errors without a parser context go to libxml2's generic handler, which prints: not here */
static void
no_print(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

static void
on_subset(void *ctx, const xmlChar *name, const xmlChar *external, const xmlChar *system)
{
    (void)name, (void)external, (void)system;
    stop((Parser *)ctx, "a DTD");
}

static void
on_reference(void *ctx, const xmlChar *name)
{
    (void)name;
    stop((Parser *)ctx, "an entity reference");
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
               const xmlChar *system_id, xmlChar *content)
{
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    stop((Parser *)ctx, "an entity declaration");
}

static void
child_node(Parser *p, int kind)
{
    if (p->depth > 0) {
        Frame *f = &p->frames[p->depth - 1];
        if (f->first == N_NONE) {
            f->first = kind;
        }
        f->lead = 0;
    }
    p->run = 0;
}

static void
on_text(Parser *p, const xmlChar *ch, int len, int cdata)
{
    if (STOPPED(p)) {
        return;
    }
    p->run += len;
    if (p->run > TEXT_LIMIT) {
        stop(p, "a text of more than 4 MB");
        return;
    }
    if (p->depth == 0) {
        return;
    }
    Frame *f = &p->frames[p->depth - 1];
    if (!f->lead) {
        return;
    }
    if (f->first == N_NONE) {
        f->first = N_TEXT;
        f->text_line = p->ctxt->input->line;
    }
    f->text_calls++;
    f->text_cdata |= cdata;
    f->text_bytes += len;
    if (f->line >= BIG_LINE) {
        for (int i = 0; i < len; i++) {
            f->text_newlines += ch[i] == '\n';
        }
    }
    if (f->collect && len > 0) {
        if (p->text_len + len > p->text_cap) {
            Py_ssize_t cap = (p->text_len + len) * 2;
            char *grown = PyMem_Realloc(p->text, cap);
            if (grown == NULL) {
                PyErr_NoMemory();
                py_failed(p);
                return;
            }
            p->text = grown;
            p->text_cap = cap;
        }
        memcpy(p->text + p->text_len, ch, len);
        p->text_len += len;
    }
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
    on_text((Parser *)ctx, ch, len, 0);
}

static void
on_cdata(void *ctx, const xmlChar *ch, int len)
{
    on_text((Parser *)ctx, ch, len, 1);
}

static void
on_comment(void *ctx, const xmlChar *value)
{
    Parser *p = (Parser *)ctx;
    if (STOPPED(p)) {
        return;
    }
    if (strlen((const char *)value) > TEXT_LIMIT) {
        stop(p, "a comment of more than 4 MB");
        return;
    }
    child_node(p, N_OTHER);
}

static void
on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    Parser *p = (Parser *)ctx;
    (void)target;
    if (STOPPED(p)) {
        return;
    }
    if (data != NULL && strlen((const char *)data) > TEXT_LIMIT) {
        stop(p, "a processing instruction of more than 4 MB");
        return;
    }
    child_node(p, N_OTHER);
}

/* the role of a new element under `parent` (at depth `depth`, the root being 0) */
static int
role_of(Parser *p, const Name *name, int matches, Frame *parent, int *info)
{
    switch (parent->role) {
    case F_ROOT:
        return (matches && name->special == S_USER) ? F_USER : F_ROOT_CHILD;
    case F_USER:
        if (!matches || name->kind == K_UNKNOWN) {
            return -1; /* unknown */
        }
        switch (name->kind) {
        case K_PRIMARY:
            return F_U_PRIMARY;
        case K_IDS:
            return F_U_IDS;
        case K_CONTACT:
            return F_U_CONTACT;
        case K_INFO:
            *info = name->info;
            return F_U_INFO;
        default:
            return F_OTHER;
        }
    case F_U_IDS:
        return F_ID;
    case F_ID:
        if (matches && name->special == S_ID_TYPE) {
            return F_ID_TYPE;
        }
        return (matches && name->special == S_VALUE) ? F_ID_VALUE : F_OTHER;
    case F_U_CONTACT:
        return (matches && name->special == S_EMAILS) ? F_EMAILS : F_OTHER;
    case F_EMAILS:
        return F_EMAIL;
    case F_EMAIL:
        if (matches && name->special == S_EMAIL_ADDRESS) {
            return F_EMAIL_ADDRESS;
        }
        return (matches && name->special == S_PREFERRED) ? F_EMAIL_PREFERRED : F_OTHER;
    default:
        return F_OTHER;
    }
}

static int
email_start(Parser *p, int nb_attributes, const xmlChar **attributes)
{
    Py_CLEAR(p->address);
    p->flag = 0;
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar **a = attributes + 5 * i;
        if (a[2] == NULL && strcmp((const char *)a[0], "preferred") == 0) {
            int t = truthy(p, (const char *)a[3], a[4] - a[3]);
            if (t < 0) {
                return -1;
            }
            p->flag = t;
        }
    }
    return 0;
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
         int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
         const xmlChar **attributes)
{
    Parser *p = (Parser *)ctx;
    (void)prefix, (void)nb_namespaces, (void)namespaces;
    if (STOPPED(p)) {
        return;
    }
    if (nb_defaulted) {
        stop(p, "defaulted attributes");
        return;
    }
    for (int i = 0; i < nb_attributes; i++) {
        if (attributes[5 * i + 4] - attributes[5 * i + 3] > TEXT_LIMIT) {
            stop(p, "an attribute of more than 4 MB");
            return;
        }
    }
    if (p->depth >= MAX_DEPTH) {
        stop(p, "elements nested too deep");
        return;
    }
    int is_first = p->depth > 0 && p->frames[p->depth - 1].first == N_NONE;
    child_node(p, N_ELEMENT);
    const Name *name = lookup(p, localname);
    int matches = in_ns(p, uri);
    int depth = p->depth;
    Frame *f = &p->frames[depth];
    memset(f, 0, sizeof(*f));
    f->lead = 1;
    f->line = p->ctxt->input->line;
    f->child_line = LINE_UNKNOWN;
    f->first_node = is_first;
    p->depth++;
    if (depth == 0) {
        if (!matches) {
            stop(p, "a root element in another namespace than the sniffed one");
            return;
        }
        if (name->special == S_USER) {
            p->user_depth = 0;
            f->role = F_USER;
            if (user_start(p) < 0) {
                py_failed(p);
            }
        }
        else if (name->special == S_LIST) {
            p->user_depth = 1;
            f->role = F_ROOT;
        }
        else {
            stop(p, "an unexpected root element");
        }
        return;
    }
    if (matches && name->special == S_USER && depth != p->user_depth) {
        stop(p, "a <user> at an unexpected depth");
        return;
    }
    Frame *parent = &p->frames[depth - 1];
    int info = 0;
    int role = role_of(p, name, matches, parent, &info);
    if (role < 0) { /* an unknown child of <user> */
        if (p->unknown == NULL && (p->unknown = PyList_New(0)) == NULL) {
            py_failed(p);
            return;
        }
        PyObject *local = PyUnicode_FromString((const char *)localname);
        if (local == NULL || PyList_Append(p->unknown, local) < 0) {
            Py_XDECREF(local);
            py_failed(p);
            return;
        }
        Py_DECREF(local);
        role = F_OTHER;
    }
    f->role = role;
    f->info = info;
    int failed = 0;
    switch (role) {
    case F_USER:
        failed = user_start(p) < 0;
        break;
    case F_U_PRIMARY:
    case F_U_INFO:
    case F_ID_TYPE:
    case F_ID_VALUE:
    case F_EMAIL_ADDRESS:
    case F_EMAIL_PREFERRED:
        f->collect = 1;
        p->text_len = 0;
        break;
    case F_ID:
        Py_CLEAR(p->id_type);
        Py_CLEAR(p->value);
        break;
    case F_U_CONTACT:
        Py_CLEAR(p->addresses);
        Py_CLEAR(p->preferred);
        p->addresses = PyList_New(0);
        p->preferred = PyList_New(0);
        failed = p->addresses == NULL || p->preferred == NULL;
        break;
    case F_EMAIL:
        failed = email_start(p, nb_attributes, attributes) < 0;
        break;
    default:
        break;
    }
    if (failed) {
        py_failed(p);
    }
}

static int
element_end(Parser *p, Frame *f)
{
    int none;
    PyObject *text;
    switch (f->role) {
    case F_USER:
        return user_end(p, f);
    case F_ROOT_CHILD: {
        long line = lxml_line(f);
        if (line == LINE_UNKNOWN) {
            stop(p, "an element above line 65,535 in a layout whose lxml line is not "
                    "reproduced");
            return 0;
        }
        if (p->n_pending == p->cap_pending) {
            Py_ssize_t cap = p->cap_pending ? p->cap_pending * 2 : 16;
            long *grown = PyMem_Realloc(p->pending, cap * sizeof(long));
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            p->pending = grown;
            p->cap_pending = cap;
        }
        p->pending[p->n_pending++] = line;
        return 0;
    }
    case F_U_PRIMARY:
        text = leading_text(p, f, &none);
        if (text == NULL && !none) {
            return -1;
        }
        Py_XSETREF(p->primary, text); /* the last one wins, None included */
        return 0;
    case F_U_INFO: {
        if (f->first != N_TEXT) {
            return 0;
        }
        text = stripped(p, p->text, p->text_len);
        if (text == NULL) {
            return -1;
        }
        int result = 0;
        if (PyUnicode_GET_LENGTH(text) > 0) {
            result = PyDict_SetItem(p->info, PyTuple_GET_ITEM(p->info_keys, f->info), text);
        }
        Py_DECREF(text);
        return result;
    }
    case F_ID_TYPE: /* the last one wins, None included; kept stripped */
        text = f->first == N_TEXT ? stripped(p, p->text, p->text_len) : NULL;
        if (text == NULL && f->first == N_TEXT) {
            return -1;
        }
        Py_XSETREF(p->id_type, text);
        return 0;
    case F_ID_VALUE:
        text = leading_text(p, f, &none);
        if (text == NULL && !none) {
            return -1;
        }
        Py_XSETREF(p->value, text);
        return 0;
    case F_ID:
        return identifier_end(p, f);
    case F_U_CONTACT:
        return contact_end(p);
    case F_EMAIL_ADDRESS:
        text = leading_text(p, f, &none);
        if (text == NULL && !none) {
            return -1;
        }
        Py_XSETREF(p->address, text);
        return 0;
    case F_EMAIL_PREFERRED:
        if (!p->flag && f->first == N_TEXT) {
            int t = truthy(p, p->text, p->text_len);
            if (t < 0) {
                return -1;
            }
            p->flag = t;
        }
        return 0;
    case F_EMAIL: {
        PyObject *address = p->address;
        if (address == NULL) {
            return 0;
        }
        int b = blank(address);
        if (b) {
            return b < 0 ? -1 : 0;
        }
        if (PyList_Append(p->addresses, address) < 0) {
            return -1;
        }
        return p->flag ? PyList_Append(p->preferred, address) : 0;
    }
    default:
        return 0;
    }
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    Parser *p = (Parser *)ctx;
    (void)localname, (void)prefix, (void)uri;
    if (STOPPED(p)) {
        return;
    }
    p->run = 0;
    if (p->depth == 0) {
        stop(p, "an end tag without a start");
        return;
    }
    Frame *f = &p->frames[p->depth - 1];
    if (element_end(p, f) < 0) {
        py_failed(p);
        return;
    }
    if (p->depth >= 2) {
        Frame *parent = &p->frames[p->depth - 2];
        if (f->first_node) {
            parent->child_line = child_lxml_line(f);
        }
    }
    p->depth--;
}

static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
    (void)name;
    stop((Parser *)ctx, "an entity reference");
    return NULL;
}

static xmlSAXHandler HANDLER;

/* ---- the Parser type --------------------------------------------------------------------- */

static void
parser_free_ctxt(Parser *p)
{
    if (p->ctxt != NULL) {
        xmlFreeParserCtxt(p->ctxt);
        p->ctxt = NULL;
    }
}

static int
Parser_init(Parser *p, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"namespace", "label", "record_type", "user_children",
                               "info_fields", "empty_identifier", NULL};
    PyObject *ns, *label, *record_type, *children, *info_fields, *empty_key;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OUOO!O!U", keywords, &ns, &label,
                                     &record_type, &PyTuple_Type, &children,
                                     &PyTuple_Type, &info_fields, &empty_key)) {
        return -1;
    }
    if (p->out != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Parser already initialised");
        return -1;
    }
    if (ns != Py_None) {
        const char *s = PyUnicode_AsUTF8(ns);
        if (s == NULL) {
            return -1;
        }
        p->ns = PyMem_Malloc(strlen(s) + 1);
        if (p->ns == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        strcpy(p->ns, s);
    }
    PyObject *seq = PySequence_Fast(children, "user_children must be a sequence");
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t n_children = PySequence_Fast_GET_SIZE(seq);
    Py_ssize_t n_info = PyTuple_GET_SIZE(info_fields);
    p->names = PyMem_Calloc(n_children + N_SPECIALS, sizeof(Name));
    if (p->names == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_children; i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
        if (s == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        Name *name = &p->names[p->n_names++];
        name->name = s; /* owned by the str, kept alive by `keep` */
        name->kind = K_KNOWN;
        if (strcmp(s, "primary_id") == 0) {
            name->kind = K_PRIMARY;
        }
        else if (strcmp(s, "user_identifiers") == 0) {
            name->kind = K_IDS;
        }
        else if (strcmp(s, "contact_info") == 0) {
            name->kind = K_CONTACT;
        }
        else {
            for (Py_ssize_t j = 0; j < n_info; j++) {
                const char *field = PyUnicode_AsUTF8(PyTuple_GET_ITEM(info_fields, j));
                if (field == NULL) {
                    Py_DECREF(seq);
                    return -1;
                }
                if (strcmp(s, field) == 0) {
                    name->kind = K_INFO;
                    name->info = (int)j;
                }
            }
        }
    }
    p->info_keys = Py_NewRef(info_fields);
    for (size_t k = 0; k < N_SPECIALS; k++) {
        Name *name = NULL;
        for (Py_ssize_t i = 0; i < p->n_names; i++) {
            if (strcmp(p->names[i].name, SPECIALS[k][0]) == 0) {
                name = &p->names[i];
            }
        }
        if (name == NULL) {
            name = &p->names[p->n_names++];
            name->name = SPECIALS[k][0];
            name->kind = K_UNKNOWN;
        }
        name->special = (int)(long)SPECIALS[k][1];
    }
    p->keep = seq; /* its str objects hold the names' UTF-8 bytes */
    p->empty_key = Py_NewRef(empty_key);
    p->label = Py_NewRef(label);
    p->record_type = Py_NewRef(record_type);
    p->out = PyList_New(0);
    p->skips = PyList_New(0);
    p->keys = PyDict_New();
    if (p->out == NULL || p->skips == NULL || p->keys == NULL) {
        return -1;
    }
    p->user_depth = -1;
    p->ctxt = xmlCreatePushParserCtxt(&HANDLER, p, NULL, 0, NULL);
    if (p->ctxt == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    /* not XML_PARSE_NOENT, not XML_PARSE_DTDLOAD, not XML_PARSE_HUGE: as authprobe.xmlsafe */
    xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET);
    p->ctxt->_private = p;
    return 0;
}

static PyObject *
take_out(Parser *p)
{
    if (p->py_error) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "userxml: error in a callback");
        }
        return NULL;
    }
    if (p->reason != NULL) {
        Py_RETURN_NONE;
    }
    PyObject *out = p->out;
    p->out = PyList_New(0);
    if (p->out == NULL) {
        p->out = out;
        return NULL;
    }
    return out;
}

static PyObject *
Parser_feed(Parser *p, PyObject *arg)
{
    Py_buffer view;
    if (p->closed || p->ctxt == NULL) {
        PyErr_SetString(PyExc_ValueError, "the parser is closed");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const char *data = view.buf;
    Py_ssize_t left = view.len;
    /* the records hold no cycles: no collection while they are made (one after the block) */
    int collecting = PyGC_Disable();
    while (left > 0 && !STOPPED(p)) {
        int n = left > (1 << 30) ? (1 << 30) : (int)left;
        xmlSetGenericErrorFunc(NULL, no_print);
        int status = xmlParseChunk(p->ctxt, data, n, 0);
        if (status != 0 || !p->ctxt->wellFormed || !p->ctxt->nsWellFormed) {
            stop(p, "libxml2 reported an error");
        }
        data += n;
        left -= n;
    }
    if (collecting) {
        PyGC_Enable();
    }
    PyBuffer_Release(&view);
    return take_out(p);
}

static PyObject *
Parser_close(Parser *p, PyObject *Py_UNUSED(ignored))
{
    if (p->closed || p->ctxt == NULL) {
        PyErr_SetString(PyExc_ValueError, "the parser is closed");
        return NULL;
    }
    p->closed = 1;
    if (!STOPPED(p)) {
        xmlSetGenericErrorFunc(NULL, no_print);
        int status = xmlParseChunk(p->ctxt, NULL, 0, 1);
        if (status != 0) {
            stop(p, "libxml2 reported an error");
        }
    }
    if (!STOPPED(p) && (!p->ctxt->wellFormed || !p->ctxt->nsWellFormed)) {
        stop(p, "not well-formed");
    }
    if (!STOPPED(p) && (p->depth != 0 || p->user_depth < 0)) {
        stop(p, "an incomplete document");
    }
    if (!STOPPED(p) && p->users_seen && flush_pending(p) < 0) {
        py_failed(p);
    }
    PyObject *out = take_out(p);
    parser_free_ctxt(p);
    return out;
}

static PyObject *
Parser_take_skips(Parser *p, PyObject *Py_UNUSED(ignored))
{
    PyObject *skips = p->skips;
    p->skips = PyList_New(0);
    if (p->skips == NULL) {
        p->skips = skips;
        return NULL;
    }
    return skips;
}

static PyObject *
Parser_get_reason(Parser *p, void *Py_UNUSED(closure))
{
    return Py_NewRef(p->reason ? p->reason : Py_None);
}

static void
Parser_dealloc(Parser *p)
{
    parser_free_ctxt(p);
    user_clear(p);
    Py_XDECREF(p->label);
    Py_XDECREF(p->record_type);
    Py_XDECREF(p->info_keys);
    Py_XDECREF(p->empty_key);
    Py_XDECREF(p->keep);
    Py_XDECREF(p->out);
    Py_XDECREF(p->skips);
    Py_XDECREF(p->keys);
    for (int i = 0; i < TEXT_CACHE; i++) {
        Py_XDECREF(p->texts[i].str);
    }
    Py_XDECREF(p->reason);
    PyMem_Free(p->ns);
    PyMem_Free(p->names);
    PyMem_Free(p->text);
    PyMem_Free(p->pending);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyMethodDef Parser_methods[] = {
    {"feed", (PyCFunction)Parser_feed, METH_O, "Parse a block; the records it completed."},
    {"close", (PyCFunction)Parser_close, METH_NOARGS, "End the document; the last records."},
    {"take_skips", (PyCFunction)Parser_take_skips, METH_NOARGS,
     "The skips seen since the last call: (code, line), 0 = no id_type, 1 = not a <user>."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Parser_getset[] = {
    {"reason", (getter)Parser_get_reason, NULL, "Why the parser stopped (None if it did not).",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "authprobe.sources.sis._userxml.Parser",
    .tp_basicsize = sizeof(Parser),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The <user> records of one Alma user XML document (libxml2 SAX2, no tree).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Parser_init,
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_methods = Parser_methods,
    .tp_getset = Parser_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_userxml",
    "Alma user XML records from libxml2's SAX2 push parser (see fast_users.py).", -1, NULL,
    NULL, NULL, NULL, NULL,
};

static PyObject *
intern(const char *s)
{
    return PyUnicode_InternFromString(s);
}

PyMODINIT_FUNC
PyInit__userxml(void)
{
    xmlInitParser();
    memset(&HANDLER, 0, sizeof(HANDLER));
    HANDLER.initialized = XML_SAX2_MAGIC;
    HANDLER.startElementNs = on_start;
    HANDLER.endElementNs = on_end;
    HANDLER.characters = on_characters;
    HANDLER.ignorableWhitespace = on_characters;
    HANDLER.cdataBlock = on_cdata;
    HANDLER.comment = on_comment;
    HANDLER.processingInstruction = on_pi;
    HANDLER.warning = on_error;
    HANDLER.error = on_error;
    HANDLER.fatalError = on_error;
    HANDLER.serror = on_serror;
    HANDLER.internalSubset = on_subset;
    HANDLER.externalSubset = on_subset;
    HANDLER.reference = on_reference;
    HANDLER.entityDecl = on_entity_decl;
    HANDLER.getEntity = on_get_entity;
    HANDLER.getParameterEntity = on_get_entity;
    S_PRIMARY_ID = intern("primary_id");
    S_EMAIL = intern("email");
    S_EMAIL_ALL = intern("email:all");
    S_UNKNOWN_ELEMENTS = intern("unknown_elements");
    S_PREFERRED_EMAILS = intern("preferred_emails");
    S_USER_GROUP = intern("user_group");
    S_STRIP = intern("strip");
    S_LOWER = intern("lower");
    S_TRUE = intern("true");
    S_ONE = intern("1");
    S_COMMA = intern(",");
    if (!S_PRIMARY_ID || !S_EMAIL || !S_EMAIL_ALL || !S_UNKNOWN_ELEMENTS ||
        !S_PREFERRED_EMAILS || !S_USER_GROUP || !S_STRIP || !S_LOWER || !S_TRUE || !S_ONE ||
        !S_COMMA) {
        return NULL;
    }
    if (PyType_Ready(&ParserType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Parser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
