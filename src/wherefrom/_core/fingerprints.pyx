# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Rolling k-gram hashes, the code structure channel's hashes with back-references, and
winnowing, the GIL released; index/fingerprint.py keeps their Python references."""

from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free

import numpy as np

from wherefrom._core.hashing cimport mix64

cdef extern from *:
    """
    #define WF_KGRAM_BASE 0x100000001B3ULL
    #define WF_CODE_STEP 0x9E3779B97F4A7C15ULL
    """
    const uint64_t WF_KGRAM_BASE
    const uint64_t WF_CODE_STEP


def kgram_hashes(const uint64_t[:] ids, Py_ssize_t k, uint64_t salt=0):
    """Hash of every window ids[i:i+k]: the polynomial in base `_BASE`, salted, mixed."""
    cdef Py_ssize_t n = ids.shape[0] - k + 1, i, j
    if k < 1:
        raise ValueError(f"k-grams of k={k} tokens: k must be at least 1")
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] view = out
    cdef uint64_t acc = 0, top = 1
    with nogil:
        for j in range(k):
            acc = acc * WF_KGRAM_BASE + ids[j]
            if j:
                top *= WF_KGRAM_BASE
        view[0] = mix64(acc ^ salt)
        for i in range(1, n):
            # Wrapping arithmetic modulo 2**64 makes the rolling update exact.
            acc = (acc - ids[i - 1] * top) * WF_KGRAM_BASE + ids[i + k - 1]
            view[i] = mix64(acc ^ salt)
    return out


cdef bint fill_back_references(const uint64_t[:] ids, const uint64_t[:] abstract_ids, uint64_t name_id,
                               int64_t* back) noexcept nogil:
    """back[i] = distance to the previous occurrence of name i (0 for a first occurrence and
    every other token), with an open-addressing table of the last place of each name."""
    cdef Py_ssize_t n = ids.shape[0], i, names = 0, capacity = 16, slot
    cdef uint64_t mask, key
    for i in range(n):
        back[i] = 0
        if abstract_ids[i] == name_id and ids[i] != name_id:
            names += 1
    if names < 2:
        return True
    while capacity < 2 * names:
        capacity *= 2
    mask = capacity - 1
    cdef uint64_t* keys = <uint64_t*> calloc(capacity, sizeof(uint64_t))
    cdef int64_t* last = <int64_t*> calloc(capacity, sizeof(int64_t))  # position + 1; 0 empty
    if keys == NULL or last == NULL:
        free(keys)
        free(last)
        return False
    for i in range(n):
        key = ids[i]
        if abstract_ids[i] != name_id or key == name_id:
            continue
        slot = <Py_ssize_t> (mix64(key) & mask)
        while last[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        if last[slot]:
            back[i] = i - (last[slot] - 1)
        keys[slot] = key
        last[slot] = i + 1
    free(keys)
    free(last)
    return True


def back_references(const uint64_t[:] ids, const uint64_t[:] abstract_ids, uint64_t name_id):
    """For every abstracted name, how many tokens back the same name last occurred."""
    if ids.shape[0] != abstract_ids.shape[0]:
        raise ValueError(f"{ids.shape[0]} exact ids but {abstract_ids.shape[0]} abstract ids")
    out = np.empty(ids.shape[0], dtype=np.int64)
    cdef int64_t[::1] view = out
    cdef bint done = True
    if ids.shape[0]:
        with nogil:
            done = fill_back_references(ids, abstract_ids, name_id, &view[0])
    if not done:
        raise MemoryError("no memory for the back-references of a code document")
    return out


def structure_hashes(const uint64_t[:] ids, const uint64_t[:] abstract_ids, Py_ssize_t k, uint64_t salt,
                     uint64_t name_id):
    """Hash of every window of the structure channel: abstracted tokens, each name paired with
    its back-reference when that falls inside the window."""
    cdef Py_ssize_t n = ids.shape[0] - k + 1, i, j
    cdef int64_t b
    cdef uint64_t acc
    if k < 1:
        raise ValueError(f"k-grams of k={k} tokens: k must be at least 1")
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    back_array = back_references(ids, abstract_ids, name_id)
    cdef const int64_t[::1] back = back_array
    out = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] view = out
    with nogil:
        for i in range(n):
            acc = 0
            for j in range(k):
                b = back[i + j]
                acc = acc * WF_KGRAM_BASE + abstract_ids[i + j] + (<uint64_t> (b if b <= j else 0)) * WF_CODE_STEP
            view[i] = mix64(acc ^ salt)
    return out


def winnow(const uint64_t[:] hashes, Py_ssize_t w):
    """Positions winnowing keeps: the rightmost minimum of every window of w hashes, each
    once, ascending. A queue of candidate positions with rising hashes makes it linear."""
    cdef Py_ssize_t n = hashes.shape[0], i, head = 0, tail = 0, count = 0, best
    if w < 1:
        raise ValueError(f"winnowing windows of w={w} hashes: w must be at least 1")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= w:
        best = 0
        for i in range(1, n):
            if hashes[i] <= hashes[best]:
                best = i
        return np.array([best], dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    queue_array = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    cdef int64_t[::1] queue = queue_array
    with nogil:
        for i in range(n):
            # A later hash at most as small hides every earlier one for good (ties: rightmost).
            while tail > head and hashes[queue[tail - 1]] >= hashes[i]:
                tail -= 1
            queue[tail] = i
            tail += 1
            if queue[head] <= i - w:
                head += 1
            if i >= w - 1 and (count == 0 or view[count - 1] != queue[head]):
                view[count] = queue[head]
                count += 1
    return out[:count].copy()
