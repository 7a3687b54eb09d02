# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Verification and extension of seeds against stored tokens: common-prefix lengths, the
maximal exact runs through seeds, the banded X-drop extension and the LCS of a gap, the GIL
released; match/align.py keeps their Python references."""

from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc

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
    # Both are set up before either is checked: freeing one never set up would free garbage.
    cdef bint after_ready = scratch_init(&after, band, limit)
    cdef bint before_ready = scratch_init(&before, band, limit)
    if not (after_ready and before_ready):
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


cdef int compare_runs(const void* a, const void* b) noexcept nogil:
    """Order of (q0, q1, p0, p1) rows by query start, then source start."""
    cdef const int64_t* x = <const int64_t*> a
    cdef const int64_t* y = <const int64_t*> b
    if x[0] != y[0]:
        return -1 if x[0] < y[0] else 1
    if x[2] != y[2]:
        return -1 if x[2] < y[2] else 1
    return 0


cdef int64_t gap_lcs(const uint64_t[:] a, Py_ssize_t a0, Py_ssize_t a1, const uint64_t[:] b,
                     Py_ssize_t b0, Py_ssize_t b1, int64_t* previous, int64_t* current) noexcept nogil:
    """LCS length of a[a0:a1] and b[b0:b1]; the two rows hold b1 - b0 + 1 cells."""
    cdef Py_ssize_t nb = b1 - b0, i, j
    cdef int64_t* swap
    if a1 <= a0 or nb <= 0:
        return 0
    for j in range(nb + 1):
        previous[j] = 0
    for i in range(a0, a1):
        current[0] = 0
        for j in range(nb):
            if a[i] == b[b0 + j]:
                current[j + 1] = previous[j] + 1
            else:
                current[j + 1] = previous[j + 1] if previous[j + 1] > current[j] else current[j]
        swap = previous
        previous = current
        current = swap
    return previous[nb]


cdef int64_t agreeing(const uint64_t[:] query, const uint64_t[:] source, const int64_t* runs,
                      Py_ssize_t first, Py_ssize_t last) noexcept nogil:
    """Tokens of runs[first:last] that agree in the given (exact) channel."""
    cdef int64_t agree = 0, t
    cdef Py_ssize_t r
    for r in range(first, last):
        for t in range(runs[4 * r + 1] - runs[4 * r]):
            if query[runs[4 * r] + t] == source[runs[4 * r + 2] + t]:
                agree += 1
    return agree


cdef Py_ssize_t agreeing_window(const uint64_t[:] query, const uint64_t[:] source, const int64_t* run,
                                int edge, bint last) noexcept nogil:
    """Offset in the run of its last (or first) `edge` tokens that agree exactly; -1: none."""
    cdef Py_ssize_t length = run[1] - run[0], i, t, start, stop, step
    cdef bint whole
    if length < edge:
        return -1
    if last:
        start, stop, step = length - edge, -1, -1
    else:
        start, stop, step = 0, length - edge + 1, 1
    i = start
    while i != stop:
        whole = True
        for t in range(edge):
            if query[run[0] + i + t] != source[run[2] + i + t]:
                whole = False
                break
        if whole:
            return i
        i += step
    return -1


def verify_runs(const uint64_t[:] query, const uint64_t[:] source, const uint64_t[:] exact_query,
                const uint64_t[:] exact_source, const int64_t[:, ::1] runs, Py_ssize_t gap, bint extend,
                bint trim, Py_ssize_t k, int drop, int band, Py_ssize_t limit, int edge):
    """The regions of one candidate from its exact runs: runs chained across small gaps (the
    LCS of each gap counted), with `extend` carried over edits at both ends by repeated
    X-drop extension, with `trim` (renamed code: `query`/`source` are placeholders) measured
    in the exact channel and, when 90 % of it agrees, cut to ends that agree exactly.
    Regions shorter than k are dropped. Returns (q0, q1, p0, p1, aligned, aligned exactly)
    rows; match/finder.py's `reference_verify_runs` is the Python twin."""
    cdef Py_ssize_t m = runs.shape[0], r, n = 0, lo, hi, region, at, c
    cdef Py_ssize_t span = 2 * gap + 4
    cdef int64_t aligned, overlap, before_sum, after_sum, agree
    cdef Py_ssize_t q0, q1, p0, p1, rq, rp
    cdef Py_ssize_t nq = query.shape[0], ns = source.shape[0]
    cdef const uint64_t[:] query_back = query[::-1]
    cdef const uint64_t[:] source_back = source[::-1]
    cdef Scratch after
    cdef Scratch before
    cdef bint ok = True
    out = np.empty((m, 6), dtype=np.int64)
    cdef int64_t[:, ::1] rows = out
    if m == 0:
        return out
    cdef int64_t* sorted_runs = <int64_t*> malloc(4 * m * sizeof(int64_t))
    cdef int64_t* kept = <int64_t*> malloc(4 * m * sizeof(int64_t))
    cdef int64_t* regions = <int64_t*> malloc(7 * m * sizeof(int64_t))  # q0 q1 p0 p1 aligned first last
    cdef int64_t* previous = <int64_t*> malloc((span + 1) * sizeof(int64_t))
    cdef int64_t* current = <int64_t*> malloc((span + 1) * sizeof(int64_t))
    cdef bint after_ready = scratch_init(&after, band, max(limit, 1))
    cdef bint before_ready = scratch_init(&before, band, max(limit, 1))
    try:
        if (sorted_runs == NULL or kept == NULL or regions == NULL or previous == NULL or current == NULL
                or not after_ready or not before_ready):
            raise MemoryError("no memory to verify a candidate")
        with nogil:
            for r in range(m):
                for c in range(4):
                    sorted_runs[4 * r + c] = runs[r, c]
            qsort(sorted_runs, m, 4 * sizeof(int64_t), compare_runs)
            region = -1
            at = 0
            for r in range(m):
                q0, q1, p0, p1 = sorted_runs[4 * r], sorted_runs[4 * r + 1], sorted_runs[4 * r + 2], sorted_runs[4 * r + 3]
                if (
                    region >= 0
                    and regions[7 * region + 1] - gap // 2 <= q0 <= regions[7 * region + 1] + gap
                    and regions[7 * region + 3] - gap // 2 <= p0 <= regions[7 * region + 3] + gap
                ):
                    if q1 <= regions[7 * region + 1]:
                        continue
                    overlap = max(regions[7 * region + 1] - q0, regions[7 * region + 3] - p0, 0)
                    regions[7 * region + 4] += gap_lcs(
                        query, regions[7 * region + 1], max(regions[7 * region + 1], q0),
                        source, regions[7 * region + 3], max(regions[7 * region + 3], p0), previous, current,
                    ) + (q1 - q0 - overlap)
                    regions[7 * region + 1] = q1
                    regions[7 * region + 3] = max(regions[7 * region + 3], p1)
                else:
                    region += 1
                    regions[7 * region], regions[7 * region + 1] = q0, q1
                    regions[7 * region + 2], regions[7 * region + 3] = p0, p1
                    regions[7 * region + 4] = q1 - q0
                    regions[7 * region + 5] = at
                for c in range(4):
                    kept[4 * at + c] = sorted_runs[4 * r + c]
                at += 1
                regions[7 * region + 6] = at
            for r in range(region + 1):
                q0, q1, p0, p1, aligned = regions[7 * r], regions[7 * r + 1], regions[7 * r + 2], regions[7 * r + 3], regions[7 * r + 4]
                lo, hi = regions[7 * r + 5], regions[7 * r + 6]
                if extend:
                    after.found_count = 0
                    before.found_count = 0
                    rq, rp = nq - q0, ns - p0
                    if not extend_fully(query, source, &q1, &p1, drop, band, limit, &after) or not extend_fully(
                            query_back, source_back, &rq, &rp, drop, band, limit, &before):
                        ok = False
                        break
                    q0, p0 = nq - rq, ns - rp
                    for c in range(after.found_count):
                        aligned += after.found[4 * c + 1] - after.found[4 * c]
                    for c in range(before.found_count):
                        aligned += before.found[4 * c + 1] - before.found[4 * c]
                if q1 - q0 < k:
                    continue
                if not trim:
                    agree = aligned
                else:
                    agree = agreeing(exact_query, exact_source, kept, lo, hi)
                    if <double> agree / <double> max(q1 - q0, p1 - p0, 1) >= 0.9:
                        before_sum = 0
                        for c in range(lo, hi):
                            before_sum += kept[4 * c + 1] - kept[4 * c]
                        while hi > lo:
                            c = agreeing_window(exact_query, exact_source, &kept[4 * (hi - 1)], edge, True)
                            if c >= 0:
                                kept[4 * (hi - 1) + 1] = kept[4 * (hi - 1)] + c + edge
                                kept[4 * (hi - 1) + 3] = kept[4 * (hi - 1) + 2] + c + edge
                                break
                            hi -= 1
                        while hi > lo:
                            c = agreeing_window(exact_query, exact_source, &kept[4 * lo], edge, False)
                            if c >= 0:
                                kept[4 * lo] += c
                                kept[4 * lo + 2] += c
                                break
                            lo += 1
                        if hi == lo:
                            continue  # nothing agrees exactly: an empty region, shorter than k
                        after_sum = 0
                        for c in range(lo, hi):
                            after_sum += kept[4 * c + 1] - kept[4 * c]
                        q0, q1, p0, p1 = kept[4 * lo], kept[4 * (hi - 1) + 1], kept[4 * lo + 2], kept[4 * (hi - 1) + 3]
                        aligned = max(aligned - (before_sum - after_sum), 0)
                        agree = agreeing(exact_query, exact_source, kept, lo, hi)
                        if q1 - q0 < k:
                            continue
                rows[n, 0], rows[n, 1], rows[n, 2], rows[n, 3], rows[n, 4], rows[n, 5] = q0, q1, p0, p1, aligned, agree
                n += 1
    finally:
        free(sorted_runs)
        free(kept)
        free(regions)
        free(previous)
        free(current)
        scratch_free(&after)
        scratch_free(&before)
    if not ok:
        raise MemoryError("no memory to extend a match")
    return out[:n].copy()


def merge_near(const int64_t[:] doc, const int64_t[:] q0, const int64_t[:] q1, const int64_t[:] p0,
               const int64_t[:] p1, const double[:] similarity, const double[:] exact, const int8_t[:] kind,
               const uint8_t[:] approximate, const int64_t[:] c0, const int64_t[:] c1, Py_ssize_t gap,
               double min_similarity, int verbatim, int near_verbatim):
    """Regions sorted by (document, input start) merged where one follows the other closely
    along nearly the same diagonal (match/regions.py's `reference_merge_near` is the Python
    twin); returns the index of each merged row's first region and the merged columns."""
    cdef Py_ssize_t n = doc.shape[0], i, m = 0, last
    cdef int64_t u0, u1, v0, v1, overlap, length, la, lb
    cdef double s, e
    cdef int8_t k
    first = np.empty(n, dtype=np.int64)
    out_q0, out_q1 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    out_p0, out_p1 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    out_s, out_e = np.empty(n, dtype=np.float64), np.empty(n, dtype=np.float64)
    out_k = np.empty(n, dtype=np.int8)
    out_c0, out_c1 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    cdef int64_t[:] f = first
    cdef int64_t[:] a0 = out_q0
    cdef int64_t[:] a1 = out_q1
    cdef int64_t[:] b0 = out_p0
    cdef int64_t[:] b1 = out_p1
    cdef double[:] sim = out_s
    cdef double[:] ex = out_e
    cdef int8_t[:] kd = out_k
    cdef int64_t[:] d0 = out_c0
    cdef int64_t[:] d1 = out_c1
    with nogil:
        for i in range(n):
            if m > 0:
                last = m - 1
                if (doc[f[last]] == doc[i] and not approximate[i] and not approximate[f[last]]
                        and q0[i] <= a1[last] + gap and b0[last] <= p0[i] <= b1[last] + 2 * gap
                        and -16 <= (p0[i] - q0[i]) - (b0[last] - a0[last]) <= 16):
                    u0, u1 = min(a0[last], q0[i]), max(a1[last], q1[i])
                    v0, v1 = min(b0[last], p0[i]), max(b1[last], p1[i])
                    overlap = max(0, min(a1[last], q1[i]) - max(a0[last], q0[i]))
                    length = max(u1 - u0, v1 - v0)
                    la = max(a1[last] - a0[last], b1[last] - b0[last])
                    lb = max(q1[i] - q0[i], p1[i] - p0[i])
                    s = min(1.0, (sim[last] * la + similarity[i] * lb - overlap * min(sim[last], similarity[i])) / length)
                    if s >= min_similarity:
                        e = min(1.0, (ex[last] * la + exact[i] * lb - overlap * min(ex[last], exact[i])) / length)
                        k = kd[last] if kd[last] == kind[i] and kd[last] != verbatim else near_verbatim
                        if kd[last] == verbatim and kind[i] == verbatim and s >= 0.999:
                            k = verbatim
                        a0[last], a1[last], b0[last], b1[last] = u0, u1, v0, v1
                        sim[last], ex[last], kd[last] = s, e, k
                        d0[last], d1[last] = min(d0[last], c0[i]), max(d1[last], c1[i])
                        continue
            f[m] = i
            a0[m], a1[m], b0[m], b1[m] = q0[i], q1[i], p0[i], p1[i]
            sim[m], ex[m], kd[m] = similarity[i], exact[i], kind[i]
            d0[m], d1[m] = c0[i], c1[i]
            m += 1
    return first[:m], out_q0[:m], out_q1[:m], out_p0[:m], out_p1[:m], out_s[:m], out_e[:m], out_k[:m], out_c0[:m], out_c1[:m]
