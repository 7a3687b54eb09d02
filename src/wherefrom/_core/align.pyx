# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Verification and extension of seeds against stored tokens: common-prefix lengths, the
maximal exact runs through seeds, the banded X-drop extension and the LCS of a gap, the GIL
released; match/align.py keeps their Python references."""

from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc

import numpy as np

from wherefrom._core.hashing cimport mix64

cdef enum:
    DEAD = -(1 << 30)  # below any score an alignment of bounded length reaches


cdef inline Py_ssize_t forward_match(const uint64_t[:] a, Py_ssize_t i, const uint64_t[:] b, Py_ssize_t j) noexcept nogil:
    """Length of the common prefix of a[i:] and b[j:]."""
    cdef Py_ssize_t n = 0
    while i + n < a.shape[0] and j + n < b.shape[0] and a[i + n] == b[j + n]:
        n += 1
    return n


cdef inline Py_ssize_t backward_match(const uint64_t[:] a, Py_ssize_t i, const uint64_t[:] b, Py_ssize_t j) noexcept nogil:
    """Length of the common suffix of a[:i] and b[:j]."""
    cdef Py_ssize_t n = 0
    while i - n > 0 and j - n > 0 and a[i - n - 1] == b[j - n - 1]:
        n += 1
    return n


def match_length(const uint64_t[:] a, const uint64_t[:] b):
    """Length of the common prefix of a and b."""
    cdef Py_ssize_t n
    with nogil:
        n = forward_match(a, 0, b, 0)
    return n


def exact_runs(const uint64_t[:] query, const uint64_t[:] source, const int64_t[:] seeds_q,
               const int64_t[:] seeds_p, Py_ssize_t k):
    """(q0, q1, p0, p1) rows of the maximal exact runs through each seed whose k tokens agree;
    a seed inside a run already found on its diagonal is skipped."""
    cdef Py_ssize_t m = seeds_q.shape[0], s, capacity = 16, slot, count = 0, left, right, c
    cdef int64_t q, p, diag
    cdef uint64_t mask
    cdef bint same
    if seeds_p.shape[0] != m:
        raise ValueError(f"{m} query seeds but {seeds_p.shape[0]} source seeds")
    while capacity < 2 * m:
        capacity *= 2
    mask = capacity - 1
    out = np.empty((m, 4), dtype=np.int64)
    cdef int64_t[:, ::1] rows = out
    cdef int64_t* diagonals = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef int64_t* covered = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef uint8_t* used = <uint8_t*> calloc(capacity, 1)
    if diagonals == NULL or covered == NULL or used == NULL:
        free(diagonals)
        free(covered)
        free(used)
        raise MemoryError("no memory to verify seeds")
    with nogil:
        for s in range(m):
            q, p = seeds_q[s], seeds_p[s]
            diag = p - q
            slot = <Py_ssize_t> (mix64(<uint64_t> diag) & mask)
            while used[slot] and diagonals[slot] != diag:
                slot = (slot + 1) & mask
            if (used[slot] and covered[slot] > q) or p < 0 or p + k > source.shape[0]:
                continue
            if q < 0 or q + k > query.shape[0]:
                continue
            same = True
            for c in range(k):
                if query[q + c] != source[p + c]:
                    same = False
                    break
            if not same:
                continue
            right = forward_match(query, q, source, p)
            left = backward_match(query, q, source, p)
            rows[count, 0], rows[count, 1] = q - left, q + right
            rows[count, 2], rows[count, 3] = p - left, p + right
            count += 1
            used[slot] = 1
            diagonals[slot] = diag
            covered[slot] = q + right
    free(diagonals)
    free(covered)
    free(used)
    return out[:count].copy()


def lcs(const uint64_t[:] a, const uint64_t[:] b):
    """Length of the longest common subsequence of a and b."""
    cdef Py_ssize_t na = a.shape[0], nb = b.shape[0], i, j
    cdef int64_t result
    if na == 0 or nb == 0:
        return 0
    cdef int64_t* previous = <int64_t*> calloc(nb + 1, sizeof(int64_t))
    cdef int64_t* current = <int64_t*> calloc(nb + 1, sizeof(int64_t))
    cdef int64_t* swap
    if previous == NULL or current == NULL:
        free(previous)
        free(current)
        raise MemoryError("no memory to align a gap")
    with nogil:
        for i in range(na):
            current[0] = 0
            for j in range(nb):
                if a[i] == b[j]:
                    current[j + 1] = previous[j] + 1
                else:
                    current[j + 1] = previous[j + 1] if previous[j + 1] > current[j] else current[j]
            swap = previous
            previous = current
            current = swap
        result = previous[nb]
    free(previous)
    free(current)
    return result


cdef Py_ssize_t xdrop(const uint64_t[:] query, const uint64_t[:] source, Py_ssize_t q1, Py_ssize_t p1,
                      Py_ssize_t nq, Py_ssize_t ns, int drop, int band, int* scores, uint8_t* moves,
                      Py_ssize_t* end_i, Py_ssize_t* end_j, int64_t* runs) noexcept nogil:
    """The banded X-drop alignment (see match/align.py's reference); writes the best end and
    the agreeing stretches, last first, and returns how many there are."""
    cdef Py_ssize_t width = 2 * band + 1, i, j, o, count = 0
    cdef int* previous = scores
    cdef int* current = scores + width
    cdef int* swap
    cdef uint8_t* move
    cdef int score, how, best = 0, row_best
    cdef Py_ssize_t best_i = 0, best_j = 0, row_best_o
    cdef uint64_t token
    for o in range(width):
        previous[o] = DEAD
        moves[o] = 2
    o = band
    while o < width and o < band + ns + 1:
        previous[o] = band - o
        o += 1
    for i in range(1, nq + 1):
        token = query[q1 + i - 1]
        move = moves + i * width
        row_best, row_best_o = DEAD, 0
        for o in range(width):
            current[o] = DEAD
            move[o] = 0
        for o in range(width):
            j = i + o - band
            if j < 0:
                continue
            if j > ns:
                break
            score, how = DEAD, 0
            if j > 0 and previous[o] > DEAD:
                score = previous[o] + (1 if token == source[p1 + j - 1] else -1)
            if o + 1 < width and previous[o + 1] > DEAD and previous[o + 1] - 1 > score:
                score, how = previous[o + 1] - 1, 1
            if o > 0 and current[o - 1] > DEAD and current[o - 1] - 1 > score:
                score, how = current[o - 1] - 1, 2
            current[o], move[o] = score, how
            if score > row_best:
                row_best, row_best_o = score, o
        if row_best == DEAD:
            break
        if row_best > best:
            best, best_i, best_j = row_best, i, i + row_best_o - band
        if row_best < best - drop:
            break
        swap = previous
        previous = current
        current = swap
    end_i[0], end_j[0] = best_i, best_j
    i, j = best_i, best_j
    while i > 0 or j > 0:
        o = j - i + band
        how = moves[i * width + o] if i > 0 else 2
        if how == 0 and i > 0 and j > 0:
            if query[q1 + i - 1] == source[p1 + j - 1]:
                if count and runs[4 * (count - 1)] == q1 + i and runs[4 * (count - 1) + 2] == p1 + j:
                    runs[4 * (count - 1)] -= 1
                    runs[4 * (count - 1) + 2] -= 1
                else:
                    runs[4 * count] = q1 + i - 1
                    runs[4 * count + 1] = q1 + i
                    runs[4 * count + 2] = p1 + j - 1
                    runs[4 * count + 3] = p1 + j
                    count += 1
            i, j = i - 1, j - 1
        elif how == 1 and i > 0:
            i -= 1
        else:
            j -= 1
    return count


cdef struct Scratch:
    int* scores
    uint8_t* moves
    int64_t* runs  # one step's agreeing stretches, last first
    int64_t* found  # every step's stretches, in order
    Py_ssize_t found_count
    Py_ssize_t found_capacity


cdef bint scratch_init(Scratch* scratch, int band, Py_ssize_t limit) noexcept nogil:
    cdef Py_ssize_t width = 2 * band + 1
    scratch.scores = <int*> malloc(2 * width * sizeof(int))
    scratch.moves = <uint8_t*> malloc((limit + 1) * width)
    scratch.runs = <int64_t*> malloc(4 * (2 * limit + band + 1) * sizeof(int64_t))
    scratch.found_capacity = 16
    scratch.found_count = 0
    scratch.found = <int64_t*> malloc(4 * scratch.found_capacity * sizeof(int64_t))
    return scratch.scores != NULL and scratch.moves != NULL and scratch.runs != NULL and scratch.found != NULL


cdef void scratch_free(Scratch* scratch) noexcept nogil:
    free(scratch.scores)
    free(scratch.moves)
    free(scratch.runs)
    free(scratch.found)


cdef Py_ssize_t xdrop_step(const uint64_t[:] query, const uint64_t[:] source, Py_ssize_t q1, Py_ssize_t p1,
                           int drop, int band, Py_ssize_t limit, Scratch* scratch,
                           Py_ssize_t* end_i, Py_ssize_t* end_j) noexcept nogil:
    """One bounded extension from (q1, p1): its end offsets and how many stretches it wrote."""
    cdef Py_ssize_t nq = min(limit, query.shape[0] - q1), ns = min(limit + band, source.shape[0] - p1), a, b
    cdef bint agrees = False
    end_i[0], end_j[0] = 0, 0
    if nq <= 0 or ns <= 0:
        return 0
    # Nothing agrees before the score would fall `drop` below zero: no extension.
    for a in range(q1, min(q1 + drop, query.shape[0])):
        for b in range(p1, min(p1 + drop + band, source.shape[0])):
            if query[a] == source[b]:
                agrees = True
                break
        if agrees:
            break
    if not agrees:
        return 0
    return xdrop(query, source, q1, p1, nq, ns, drop, band, scratch.scores, scratch.moves, end_i, end_j, scratch.runs)


cdef bint extend_fully(const uint64_t[:] query, const uint64_t[:] source, Py_ssize_t* q1, Py_ssize_t* p1,
                       int drop, int band, Py_ssize_t limit, Scratch* scratch) noexcept nogil:
    """Repeat the bounded extension while it keeps advancing; its stretches go to `found`."""
    cdef Py_ssize_t end_i, end_j, count, r, c
    cdef void* grown
    while True:
        count = xdrop_step(query, source, q1[0], p1[0], drop, band, limit, scratch, &end_i, &end_j)
        if end_i == 0 and end_j == 0:
            return True
        if scratch.found_count + count > scratch.found_capacity:
            while scratch.found_count + count > scratch.found_capacity:
                scratch.found_capacity *= 2
            grown = realloc(scratch.found, 4 * scratch.found_capacity * sizeof(int64_t))
            if grown == NULL:
                return False
            scratch.found = <int64_t*> grown
        for r in range(count):
            for c in range(4):
                scratch.found[4 * (scratch.found_count + r) + c] = scratch.runs[4 * (count - 1 - r) + c]
        scratch.found_count += count
        q1[0] += end_i
        p1[0] += end_j


def xdrop_extend(const uint64_t[:] query, const uint64_t[:] source, Py_ssize_t q1, Py_ssize_t p1,
                 int drop, int band, Py_ssize_t limit):
    """Gapped extension to the right of (q1, p1): (q end, p end, runs as (q0, q1, p0, p1) rows)."""
    cdef Scratch scratch
    cdef Py_ssize_t count = 0, end_i = 0, end_j = 0, r, c
    if not scratch_init(&scratch, band, max(limit, 1)):
        scratch_free(&scratch)
        raise MemoryError("no memory to extend a match")
    with nogil:
        count = xdrop_step(query, source, q1, p1, drop, band, limit, &scratch, &end_i, &end_j)
    out = np.empty((count, 4), dtype=np.int64)
    cdef int64_t[:, ::1] rows = out
    for r in range(count):
        for c in range(4):
            rows[count - 1 - r, c] = scratch.runs[4 * r + c]
    scratch_free(&scratch)
    return q1 + end_i, p1 + end_j, out


def extend_edges(const uint64_t[:] query, const uint64_t[:] source, Py_ssize_t q0, Py_ssize_t q1,
                 Py_ssize_t p0, Py_ssize_t p1, int drop, int band, Py_ssize_t limit):
    """A region [q0, q1) x [p0, p1) carried over small edits at both ends by repeated gapped
    extension: (q0, q1, p0, p1, tokens the stretches add, stretches before, stretches after),
    each stretch a (q0, q1, p0, p1) tuple."""
    cdef Scratch after
    cdef Scratch before
    cdef Py_ssize_t nq = query.shape[0], ns = source.shape[0], rq = nq - q0, rp = ns - p0
    cdef const uint64_t[:] query_back = query[::-1]
    cdef const uint64_t[:] source_back = source[::-1]
    cdef bint done = False
    cdef Py_ssize_t r
    cdef int64_t added
    if not scratch_init(&after, band, limit) or not scratch_init(&before, band, limit):
        scratch_free(&after)
        scratch_free(&before)
        raise MemoryError("no memory to extend a match")
    try:
        with nogil:
            done = extend_fully(query, source, &q1, &p1, drop, band, limit, &after) and extend_fully(
                query_back, source_back, &rq, &rp, drop, band, limit, &before)
        if not done:
            raise MemoryError("no memory to extend a match")
        # Tuples, not arrays: a region's stretches are few, and small arrays cost more than lists.
        ahead = [(after.found[4 * r], after.found[4 * r + 1], after.found[4 * r + 2], after.found[4 * r + 3])
                 for r in range(after.found_count)]
        # Stretches found on the reversed arrays, back in forward offsets and order.
        behind = [(nq - before.found[4 * r + 1], nq - before.found[4 * r], ns - before.found[4 * r + 3],
                   ns - before.found[4 * r + 2]) for r in range(before.found_count - 1, -1, -1)]
        added = 0
        for r in range(after.found_count):
            added += after.found[4 * r + 1] - after.found[4 * r]
        for r in range(before.found_count):
            added += before.found[4 * r + 1] - before.found[4 * r]
        return nq - rq, q1, ns - rp, p1, added, behind, ahead
    finally:
        scratch_free(&after)
        scratch_free(&before)
