# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Tokenizers of the text and code normal forms, with token hashing and offsets: one pass
over the string's own code points (no encoding, no regular expression), the GIL released.

`text_tokens` is the word tokenizer of normalize/text.py (its Python reference is
`reference_tokens` there); `FamilyLexer` is the compiled lexer of the three code families
of normalize/code.py (its reference is the family's regular expression, `reference_family_tokens`).
"""

from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

import numpy as np

from wherefrom._core.hashing cimport WF_TOKEN_Q, finish_token

cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    bint Py_UNICODE_ISSPACE(uint32_t ch) nogil
    bint Py_UNICODE_ISALNUM(uint32_t ch) nogil
    bint Py_UNICODE_ISDECIMAL(uint32_t ch) nogil
    bint Py_UNICODE_ISDIGIT(uint32_t ch) nogil

# The three widths CPython stores a string's code points in.
ctypedef fused units:
    uint8_t
    uint16_t
    uint32_t

# Classes of the text tables (normalize/text.py).
cdef enum:
    SEP = 0
    WORD = 1
    CJK = 2
    COMPLEX = 3
    IGNORABLE = 4
    UNKNOWN = 255

# Token classes of the code families (normalize/code.py).
cdef enum:
    COMMENT = 0
    STRING = 1
    NUMBER = 2
    IDENT = 3
    OPERATOR = 4

cdef enum:
    FAMILY_HASH = 0
    FAMILY_C = 1
    FAMILY_DASH = 2


cdef struct Tokens:
    int64_t* starts
    int64_t* ends
    uint64_t* exact
    uint64_t* abstract
    Py_ssize_t count
    Py_ssize_t capacity
    bint failed


cdef bint tokens_init(Tokens* out, Py_ssize_t capacity) noexcept nogil:
    out.count = 0
    out.capacity = capacity if capacity > 16 else 16
    out.failed = False
    out.starts = <int64_t*> malloc(out.capacity * sizeof(int64_t))
    out.ends = <int64_t*> malloc(out.capacity * sizeof(int64_t))
    out.exact = <uint64_t*> malloc(out.capacity * sizeof(uint64_t))
    out.abstract = <uint64_t*> malloc(out.capacity * sizeof(uint64_t))
    out.failed = not (out.starts and out.ends and out.exact and out.abstract)
    return not out.failed


cdef void tokens_free(Tokens* out) noexcept nogil:
    free(out.starts)
    free(out.ends)
    free(out.exact)
    free(out.abstract)


cdef bint tokens_push(Tokens* out, int64_t start, int64_t end, uint64_t exact, uint64_t abstract) noexcept nogil:
    cdef Py_ssize_t capacity
    cdef void* grown
    if out.count == out.capacity:
        capacity = 2 * out.capacity
        grown = realloc(out.starts, capacity * sizeof(int64_t))
        if grown == NULL:
            out.failed = True
            return False
        out.starts = <int64_t*> grown
        grown = realloc(out.ends, capacity * sizeof(int64_t))
        if grown == NULL:
            out.failed = True
            return False
        out.ends = <int64_t*> grown
        grown = realloc(out.exact, capacity * sizeof(uint64_t))
        if grown == NULL:
            out.failed = True
            return False
        out.exact = <uint64_t*> grown
        grown = realloc(out.abstract, capacity * sizeof(uint64_t))
        if grown == NULL:
            out.failed = True
            return False
        out.abstract = <uint64_t*> grown
        out.capacity = capacity
    out.starts[out.count] = start
    out.ends[out.count] = end
    out.exact[out.count] = exact
    out.abstract[out.count] = abstract
    out.count += 1
    return True


cdef object tokens_arrays(Tokens* out, bint with_abstract):
    """Copies the collected tokens into NumPy arrays (starts, ends, exact[, abstract])."""
    n = out.count
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    exact = np.empty(n, dtype=np.uint64)
    cdef int64_t[::1] starts_view = starts
    cdef int64_t[::1] ends_view = ends
    cdef uint64_t[::1] exact_view = exact
    cdef uint64_t[::1] abstract_view
    if n:
        memcpy(&starts_view[0], out.starts, n * sizeof(int64_t))
        memcpy(&ends_view[0], out.ends, n * sizeof(int64_t))
        memcpy(&exact_view[0], out.exact, n * sizeof(uint64_t))
    if not with_abstract:
        return starts, ends, exact
    abstract = np.empty(n, dtype=np.uint64)
    abstract_view = abstract
    if n:
        memcpy(&abstract_view[0], out.abstract, n * sizeof(uint64_t))
    return starts, ends, exact, abstract


# ---------------------------------------------------------------------------------------
# Text


cdef Py_ssize_t collect_unknown(const units* data, Py_ssize_t n, const uint8_t* classes,
                                uint32_t* found) noexcept nogil:
    cdef Py_ssize_t i, count = 0
    cdef uint32_t cp
    for i in range(n):
        cp = data[i]
        if classes[cp] == UNKNOWN:
            found[count] = cp
            count += 1
    return count


def unknown_codepoints(str content, const uint8_t[::1] classes):
    """The code points of `content` the class table has not classified yet (with repeats)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(content)
    cdef int kind = PyUnicode_KIND(content)
    cdef void* data = PyUnicode_DATA(content)
    found = np.empty(n, dtype=np.uint32)
    cdef uint32_t[::1] view = found
    cdef Py_ssize_t count = 0
    if n == 0 or kind == 1:
        return found[:0]  # one-byte strings: every code point below 256 is classified up front
    with nogil:
        if kind == 2:
            count = collect_unknown(<const uint16_t*> data, n, &classes[0], &view[0])
        else:
            count = collect_unknown(<const uint32_t*> data, n, &classes[0], &view[0])
    return found[:count]


cdef void scan_text(const units* data, Py_ssize_t n, const uint8_t* classes, const uint32_t* folds,
                    Tokens* out, Tokens* complex_tokens) noexcept nogil:
    cdef Py_ssize_t i = 0, j, last
    cdef uint8_t kind
    cdef uint64_t acc, power, length
    cdef bint has_complex
    cdef uint32_t cp
    while i < n:
        cp = data[i]
        kind = classes[cp]
        if kind == CJK:
            if not tokens_push(out, i, i + 1, finish_token(folds[cp], 1), 0):
                return
            i += 1
        elif kind == WORD or kind == COMPLEX:
            # Format characters inside a word are skipped, not word breaks.
            acc, power, length, has_complex, last, j = 0, 1, 0, False, i, i
            while j < n:
                cp = data[j]
                kind = classes[cp]
                if kind == WORD or kind == COMPLEX:
                    acc += folds[cp] * power
                    power *= WF_TOKEN_Q
                    length += 1
                    has_complex = has_complex or kind == COMPLEX
                    last = j
                elif kind != IGNORABLE:
                    break
                j += 1
            if has_complex and not tokens_push(complex_tokens, out.count, 0, 0, 0):
                out.failed = True
                return
            if not tokens_push(out, i, last + 1, finish_token(acc, length), 0):
                return
            i = j
        else:
            i += 1


def text_tokens(str content, const uint8_t[::1] classes, const uint32_t[::1] folds):
    """Words and CJK characters of `content` as (starts, ends, ids, complex): ids hash each
    token's folded code points; `complex` lists the tokens holding a code point whose fold
    is not one code point, which the caller hashes from their folded string instead.
    Every code point of `content` must be classified (see `unknown_codepoints`)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(content)
    cdef int kind = PyUnicode_KIND(content)
    cdef void* data = PyUnicode_DATA(content)
    cdef Tokens out
    cdef Tokens complex_tokens
    if not tokens_init(&out, n // 4) or not tokens_init(&complex_tokens, 16):
        tokens_free(&out)
        tokens_free(&complex_tokens)
        raise MemoryError("no memory for the tokens of a text document")
    with nogil:
        if kind == 1:
            scan_text(<const uint8_t*> data, n, &classes[0], &folds[0], &out, &complex_tokens)
        elif kind == 2:
            scan_text(<const uint16_t*> data, n, &classes[0], &folds[0], &out, &complex_tokens)
        else:
            scan_text(<const uint32_t*> data, n, &classes[0], &folds[0], &out, &complex_tokens)
    try:
        if out.failed or complex_tokens.failed:
            raise MemoryError("no memory for the tokens of a text document")
        starts, ends, ids = tokens_arrays(&out, False)
        complex_at = tokens_arrays(&complex_tokens, False)[0]
        return starts, ends, ids, complex_at
    finally:
        tokens_free(&out)
        tokens_free(&complex_tokens)


# ---------------------------------------------------------------------------------------
# Code families. Each rule below mirrors one part of the family's regular expression in
# normalize/code.py, alternatives tried in the same order, so the tokens are the same.


# \w, \d and \s of the ASCII range as bit flags; other code points ask CPython's Unicode
# database, exactly as the regular expression engine does.
cdef enum:
    ASCII_WORD = 1
    ASCII_DIGIT = 2
    ASCII_SPACE = 4

cdef uint8_t ascii_flags[128]
for _code in range(128):
    _ch = chr(_code)
    ascii_flags[_code] = (
        (ASCII_WORD if (_ch.isalnum() or _ch == "_") else 0)
        | (ASCII_DIGIT if _ch.isdecimal() else 0)
        | (ASCII_SPACE if _ch.isspace() else 0)
    )


cdef inline bint is_word(uint32_t ch) noexcept nogil:
    if ch < 128:
        return ascii_flags[ch] & ASCII_WORD
    return Py_UNICODE_ISALNUM(ch)  # \w (with "_", which is ASCII)


cdef inline bint is_digit(uint32_t ch) noexcept nogil:
    if ch < 128:
        return ascii_flags[ch] & ASCII_DIGIT
    return Py_UNICODE_ISDECIMAL(ch)  # \d


cdef inline bint is_space(uint32_t ch) noexcept nogil:
    if ch < 128:
        return ascii_flags[ch] & ASCII_SPACE
    return Py_UNICODE_ISSPACE(ch)  # \s


cdef inline bint is_hex_or_underscore(uint32_t ch) noexcept nogil:
    return (48 <= ch <= 57) or (97 <= ch <= 102) or (65 <= ch <= 70) or ch == 95


cdef inline bint is_ascii_letter(uint32_t ch) noexcept nogil:
    return (97 <= ch <= 122) or (65 <= ch <= 90)


cdef inline bint is_quote(uint32_t ch) noexcept nogil:
    return ch == 39 or ch == 34 or ch == 96


cdef inline bint at(const units* data, Py_ssize_t n, Py_ssize_t i, uint32_t a, uint32_t b) noexcept nogil:
    return i + 1 < n and data[i] == a and data[i + 1] == b


cdef Py_ssize_t find_pair(const units* data, Py_ssize_t n, Py_ssize_t i, uint32_t a, uint32_t b) noexcept nogil:
    """Index just past the first `ab` at or after i, or -1 (a lazy `.*?ab` under DOTALL)."""
    while i + 1 < n:
        if data[i] == a and data[i + 1] == b:
            return i + 2
        i += 1
    return -1


cdef Py_ssize_t find_triple(const units* data, Py_ssize_t n, Py_ssize_t i, uint32_t q) noexcept nogil:
    while i + 2 < n:
        if data[i] == q and data[i + 1] == q and data[i + 2] == q:
            return i + 3
        i += 1
    return -1


cdef Py_ssize_t line_end(const units* data, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    while i < n and data[i] != 10:
        i += 1
    return i


cdef Py_ssize_t match_comment(const units* data, Py_ssize_t n, Py_ssize_t i, int family) noexcept nogil:
    if family == FAMILY_HASH:
        return line_end(data, n, i) if data[i] == 35 else -1  # #[^\n]*
    if family == FAMILY_C and at(data, n, i, 47, 47):  # //[^\n]*
        return line_end(data, n, i)
    if family == FAMILY_DASH and at(data, n, i, 45, 45):  # --[^\n]*
        return line_end(data, n, i)
    if at(data, n, i, 47, 42):  # /\*.*?\*/
        return find_pair(data, n, i + 2, 42, 47)
    if family == FAMILY_DASH and at(data, n, i, 123, 45):  # \{-.*?-\}
        return find_pair(data, n, i + 2, 45, 125)
    return -1


cdef Py_ssize_t match_quoted(const units* data, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    """"(?:[^"\\\n]|\\.)*" and its single-quoted twin, at i."""
    cdef uint32_t quote = data[i]
    cdef uint32_t ch
    i += 1
    while i < n:
        ch = data[i]
        if ch == quote:
            return i + 1
        if ch == 10:
            return -1
        if ch == 92:
            if i + 1 >= n:
                return -1
            i += 2
        else:
            i += 1
    return -1


cdef Py_ssize_t match_string_body(const units* data, Py_ssize_t n, Py_ssize_t i, int family) noexcept nogil:
    cdef uint32_t ch
    cdef Py_ssize_t end
    if i >= n:
        return -1
    ch = data[i]
    if family == FAMILY_HASH and (ch == 39 or ch == 34) and i + 2 < n and data[i + 1] == ch and data[i + 2] == ch:
        end = find_triple(data, n, i + 3, ch)
        if end >= 0:
            return end
    if ch == 34 or ch == 39:
        return match_quoted(data, n, i)
    if family == FAMILY_C and ch == 96:  # `[^`]*`
        i += 1
        while i < n:
            if data[i] == 96:
                return i + 1
            i += 1
    return -1


cdef inline bint is_python_prefix(uint32_t ch) noexcept nogil:
    return ch == 114 or ch == 82 or ch == 98 or ch == 66 or ch == 117 or ch == 85 or ch == 102 or ch == 70  # rRbBuUfF


cdef inline bint is_c_prefix(uint32_t ch) noexcept nogil:
    return ch == 76 or ch == 117 or ch == 85 or ch == 82 or ch == 64 or ch == 36  # LuUR@$


cdef Py_ssize_t match_string(const units* data, Py_ssize_t n, Py_ssize_t i, int family) noexcept nogil:
    cdef Py_ssize_t end
    if family == FAMILY_HASH:  # (?:[rRbBuUfF]{1,2})? tried with two, one, then no prefix
        if i + 1 < n and is_python_prefix(data[i]) and is_python_prefix(data[i + 1]):
            end = match_string_body(data, n, i + 2, family)
            if end >= 0:
                return end
        if is_python_prefix(data[i]):
            end = match_string_body(data, n, i + 1, family)
            if end >= 0:
                return end
    elif family == FAMILY_C and is_c_prefix(data[i]):
        end = match_string_body(data, n, i + 1, family)
        if end >= 0:
            return end
    return match_string_body(data, n, i, family)


cdef Py_ssize_t match_number(const units* data, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    cdef Py_ssize_t e, f
    cdef uint32_t ch = data[i]
    if ch == 48 and i + 2 < n and (data[i + 1] in (120, 88, 98, 66, 111, 79)) and is_hex_or_underscore(data[i + 2]):
        e = i + 2
        while e < n and is_hex_or_underscore(data[e]):
            e += 1
    else:
        if is_digit(ch):
            e = i + 1
        elif ch == 46 and i + 1 < n and is_digit(data[i + 1]):
            e = i + 2
        else:
            return -1
        while e < n and (is_digit(data[e]) or data[e] == 95):
            e += 1
        if ch != 46 and e < n and data[e] == 46:
            e += 1
            while e < n and (is_digit(data[e]) or data[e] == 95):
                e += 1
        if e < n and (data[e] == 101 or data[e] == 69):  # (?:[eE][+-]?\d+)?
            f = e + 1
            if f < n and (data[f] == 43 or data[f] == 45):
                f += 1
            if f < n and is_digit(data[f]):
                while f < n and is_digit(data[f]):
                    f += 1
                e = f
    while e < n and is_ascii_letter(data[e]):
        e += 1
    return e


cdef Py_ssize_t match_operator(const units* data, Py_ssize_t n, Py_ssize_t i,
                               const uint32_t* operators, const uint32_t* lengths, Py_ssize_t count) noexcept nogil:
    """The first listed multi-character operator at i, else one character that is neither
    space nor word ([^\\s\\w]). `operators` holds each operator in four code points."""
    cdef Py_ssize_t o, c
    cdef bint same
    for o in range(count):
        if i + lengths[o] > n:
            continue
        same = True
        for c in range(lengths[o]):
            if data[i + c] != operators[4 * o + c]:
                same = False
                break
        if same:
            return i + lengths[o]
    if not is_space(data[i]) and not is_word(data[i]):
        return i + 1
    return -1


cdef int token_class(const units* data, Py_ssize_t start, Py_ssize_t end, int family) noexcept nogil:
    """The class code.py's `_classify` gives a token, from its first and last characters."""
    cdef uint32_t first = data[start]
    cdef bint last_quote = is_quote(data[end - 1])
    cdef int which
    if first >= 128:
        which = IDENT
    elif 48 <= first <= 57:
        which = NUMBER
    elif is_ascii_letter(first) or first == 95:
        which = IDENT
    elif is_quote(first):
        which = STRING
    else:
        which = OPERATOR
    if which == IDENT and last_quote and first != 0:
        which = STRING  # r"..", b'..', L"..", f"..."
    if first == 64 and last_quote:
        which = STRING
    if first == 36 and not last_quote:
        which = IDENT  # JS/PHP names
    if first == 46 and end - start > 1 and Py_UNICODE_ISDIGIT(data[start + 1]):
        which = NUMBER
    elif first == 35 or first == 46 or first == 47 or first == 45 or first == 123:
        if family == FAMILY_HASH:
            if first == 35:
                which = COMMENT
        elif end - start > 1:
            if first == 47 and (data[start + 1] == 42 or (family == FAMILY_C and data[start + 1] == 47)):
                which = COMMENT  # /* in both, // in C
            elif family == FAMILY_DASH and data[start + 1] == 45 and (first == 45 or first == 123):
                which = COMMENT  # -- and {-
    return which


cdef inline bint sorted_contains(const uint64_t* values, Py_ssize_t n, uint64_t value) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo < n and values[lo] == value


cdef uint64_t hash_units(const units* data, Py_ssize_t n) noexcept nogil:
    cdef uint64_t acc = 0, power = 1
    cdef Py_ssize_t c
    for c in range(n):
        acc += data[c] * power
        power *= WF_TOKEN_Q
    return finish_token(acc, n)


cdef void scan_code(const units* data, Py_ssize_t n, int family, const uint32_t* operators,
                    const uint32_t* lengths, Py_ssize_t operator_count, const uint64_t* keywords,
                    Py_ssize_t keyword_count, uint64_t literal_id, uint64_t identifier_id, Tokens* out) noexcept nogil:
    cdef Py_ssize_t i = 0, end
    cdef uint64_t exact, abstract
    cdef int which
    while i < n:
        if data[i] < 128 and ascii_flags[data[i]] & ASCII_SPACE:
            i += 1  # no rule matches at a space: every token starts with a non-space
            continue
        end = match_comment(data, n, i, family)
        if end < 0:
            end = match_string(data, n, i, family)
        if end < 0:
            end = match_number(data, n, i)
        if end < 0 and is_word(data[i]) and not is_digit(data[i]):  # [^\W\d]\w*
            end = i + 1
            while end < n and is_word(data[end]):
                end += 1
        if end < 0:
            end = match_operator(data, n, i, operators, lengths, operator_count)
        if end < 0:
            i += 1
            continue
        which = token_class(data, i, end, family)
        if which != COMMENT:
            exact = hash_units(data + i, end - i)
            abstract = exact
            if which == STRING or which == NUMBER:
                abstract = literal_id
            elif which == IDENT and not sorted_contains(keywords, keyword_count, exact):
                abstract = identifier_id
            if not tokens_push(out, i, end, exact, abstract):
                return
        i = end


_FAMILIES = {"hash": FAMILY_HASH, "c": FAMILY_C, "dash": FAMILY_DASH}


cdef class FamilyLexer:
    """The compiled lexer of one code family: its comment, string, number, identifier and
    operator rules, with both channels' ids (keywords keep their own id in the abstract one)."""

    cdef int family
    cdef uint32_t[::1] operators
    cdef uint32_t[::1] operator_lengths
    cdef uint64_t[::1] keywords
    cdef uint64_t literal_id
    cdef uint64_t identifier_id

    def __init__(self, str family, operators, keyword_ids, uint64_t literal_id, uint64_t identifier_id):
        if family not in _FAMILIES:
            raise ValueError(f"no compiled lexer for the code family {family!r}; the families are {sorted(_FAMILIES)}")
        self.family = _FAMILIES[family]
        table = np.zeros(4 * len(operators), dtype=np.uint32)
        lengths = np.zeros(len(operators), dtype=np.uint32)
        for index, operator in enumerate(operators):
            if not 1 <= len(operator) <= 4:
                raise ValueError(f"operator {operator!r}: the compiled lexer takes operators of 1 to 4 characters")
            lengths[index] = len(operator)
            for offset, ch in enumerate(operator):
                table[4 * index + offset] = ord(ch)
        self.operators = table if len(table) else np.zeros(4, dtype=np.uint32)
        self.operator_lengths = lengths if len(lengths) else np.zeros(1, dtype=np.uint32)
        self.keywords = np.unique(np.asarray(keyword_ids, dtype=np.uint64))
        if len(self.keywords) == 0:
            self.keywords = np.zeros(1, dtype=np.uint64)
        self.literal_id = literal_id
        self.identifier_id = identifier_id

    def tokens(self, str content):
        """(starts, ends, exact ids, abstract ids) of every token that is not a comment."""
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(content)
        cdef int kind = PyUnicode_KIND(content)
        cdef void* data = PyUnicode_DATA(content)
        cdef Tokens out
        cdef Py_ssize_t operator_count = len(self.operator_lengths) if self.operator_lengths[0] else 0
        cdef Py_ssize_t keyword_count = len(self.keywords)
        if not tokens_init(&out, n // 3):
            tokens_free(&out)
            raise MemoryError("no memory for the tokens of a code document")
        with nogil:
            if kind == 1:
                scan_code(<const uint8_t*> data, n, self.family, &self.operators[0], &self.operator_lengths[0],
                          operator_count, &self.keywords[0], keyword_count, self.literal_id, self.identifier_id, &out)
            elif kind == 2:
                scan_code(<const uint16_t*> data, n, self.family, &self.operators[0], &self.operator_lengths[0],
                          operator_count, &self.keywords[0], keyword_count, self.literal_id, self.identifier_id, &out)
            else:
                scan_code(<const uint32_t*> data, n, self.family, &self.operators[0], &self.operator_lengths[0],
                          operator_count, &self.keywords[0], keyword_count, self.literal_id, self.identifier_id, &out)
        try:
            if out.failed:
                raise MemoryError("no memory for the tokens of a code document")
            return tokens_arrays(&out, True)
        finally:
            tokens_free(&out)


def hash_tokens(list tokens):
    """`hash_token` of each string, as a uint64 array (the Pygments languages' tokens)."""
    held = tuple(tokens)  # the strings stay alive while the GIL is released
    cdef Py_ssize_t count = len(held), index
    ids = np.empty(count, dtype=np.uint64)
    cdef uint64_t[::1] view = ids
    if count == 0:
        return ids
    cdef void** data = <void**> malloc(count * sizeof(void*))
    cdef Py_ssize_t* lengths = <Py_ssize_t*> malloc(count * sizeof(Py_ssize_t))
    cdef int* kinds = <int*> malloc(count * sizeof(int))
    if data == NULL or lengths == NULL or kinds == NULL:
        free(data)
        free(lengths)
        free(kinds)
        raise MemoryError("no memory to hash tokens")
    try:
        for index in range(count):
            token = held[index]
            if not isinstance(token, str):
                raise TypeError(f"token {index} is {type(token).__name__}, not str")
            data[index] = PyUnicode_DATA(token)
            lengths[index] = PyUnicode_GET_LENGTH(token)
            kinds[index] = PyUnicode_KIND(token)
        with nogil:
            for index in range(count):
                if kinds[index] == 1:
                    view[index] = hash_units(<const uint8_t*> data[index], lengths[index])
                elif kinds[index] == 2:
                    view[index] = hash_units(<const uint16_t*> data[index], lengths[index])
                else:
                    view[index] = hash_units(<const uint32_t*> data[index], lengths[index])
    finally:
        free(data)
        free(lengths)
        free(kinds)
    return ids
