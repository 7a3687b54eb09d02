# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Bit-packed arrays and the posting lookup over them, the GIL released.

A packed array holds `count` unsigned values of `bits` bits each in little-endian 64-bit
words, value i at bit i * bits, with one spare word so that every read may load two words.
Segment keys are split Elias–Fano style: a bucket directory over their top bits and the low
bits packed, so a key costs its low bits plus a few bits of directory.
"""

from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

import numpy as np


cdef inline uint64_t read_packed(const uint64_t* words, int bits, Py_ssize_t i) noexcept nogil:
    cdef uint64_t position = <uint64_t> i * bits
    cdef Py_ssize_t word = <Py_ssize_t> (position >> 6)
    cdef int shift = position & 63
    cdef uint64_t value = words[word] >> shift
    if shift + bits > 64:
        value |= words[word + 1] << (64 - shift)
    if bits < 64:
        value &= ((<uint64_t> 1) << bits) - 1
    return value


cdef size_t np_address(object array):
    cdef int64_t[::1] view = array
    return <size_t> &view[0]


def bits_for(uint64_t largest):
    """Bits a packed array needs for values up to `largest` (at least one)."""
    cdef int bits = 1
    while bits < 64 and (largest >> bits):
        bits += 1
    return bits


def pack(const uint64_t[:] values, int bits):
    """The words of `values` packed at `bits` bits each; every value must fit."""
    if not 1 <= bits <= 64:
        raise ValueError(f"packed arrays hold values of 1 to 64 bits, not {bits}")
    cdef Py_ssize_t n = values.shape[0], i, word
    cdef uint64_t position, value, limit = 0 if bits == 64 else ((<uint64_t> 1) << bits)
    cdef int shift
    cdef bint fits = True
    words_array = np.zeros((n * bits + 63) // 64 + 1, dtype=np.uint64)
    cdef uint64_t[::1] words = words_array
    with nogil:
        for i in range(n):
            value = values[i]
            if limit and value >= limit:
                fits = False
                break
            position = <uint64_t> i * bits
            word = <Py_ssize_t> (position >> 6)
            shift = position & 63
            words[word] |= value << shift
            if shift + bits > 64:
                words[word + 1] |= value >> (64 - shift)
    if not fits:
        raise ValueError(f"a value does not fit in {bits} bits")
    return words_array


def unpack(const uint64_t[::1] words, int bits, Py_ssize_t start, Py_ssize_t stop):
    """Values [start, stop) of a packed array, as uint64."""
    cdef Py_ssize_t i, n = max(stop - start, 0)
    if n and (<uint64_t> stop * bits + 63) // 64 >= <uint64_t> words.shape[0] + 1:
        raise IndexError(f"values up to {stop} lie past the packed array's {words.shape[0]} words")
    out = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] view = out
    if n:
        with nogil:
            for i in range(n):
                view[i] = read_packed(&words[0], bits, start + i)
    return out


def bucket_keys(const uint32_t[:] keys, int bucket_bits):
    """The bucket directory of sorted keys: start of every bucket of the top `bucket_bits`
    bits, plus the end; bucket b holds rows [directory[b], directory[b + 1])."""
    cdef Py_ssize_t n = keys.shape[0], i, b = 0, buckets = (<Py_ssize_t> 1) << bucket_bits
    cdef int shift = 32 - bucket_bits
    directory_array = np.empty(buckets + 1, dtype=np.uint32)
    cdef uint32_t[::1] directory = directory_array
    cdef uint64_t bucket
    with nogil:
        for i in range(n):
            bucket = (<uint64_t> keys[i]) >> shift
            while b <= <Py_ssize_t> bucket:
                directory[b] = i
                b += 1
        while b <= buckets:
            directory[b] = n
            b += 1
    return directory_array


def lookup(const uint32_t[:] query_keys, const uint32_t[::1] directory, const uint64_t[::1] low_words,
           int bucket_bits, const uint64_t[::1] posting_words, int posting_bits):
    """(query index, posting) of every stored row whose key equals a query key, query by
    query, rows in storage order."""
    cdef int low_bits = 32 - bucket_bits
    cdef uint64_t low_mask = ((<uint64_t> 1) << low_bits) - 1
    cdef Py_ssize_t m = query_keys.shape[0], q, lo, hi, mid, row, count = 0, capacity = 64
    cdef uint64_t key, low, bucket
    cdef int64_t* found_query = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef int64_t* found_posting = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef void* grown
    cdef bint failed = found_query == NULL or found_posting == NULL
    if not failed and directory.shape[0] and low_words.shape[0] and posting_words.shape[0]:
        with nogil:
            for q in range(m):
                key = query_keys[q]
                bucket = key >> low_bits
                low = key & low_mask
                lo, hi = directory[bucket], directory[bucket + 1]
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if read_packed(&low_words[0], low_bits, mid) < low:
                        lo = mid + 1
                    else:
                        hi = mid
                row = lo
                while row < directory[bucket + 1] and read_packed(&low_words[0], low_bits, row) == low:
                    if count == capacity:
                        capacity *= 2
                        grown = realloc(found_query, capacity * sizeof(int64_t))
                        if grown == NULL:
                            failed = True
                            break
                        found_query = <int64_t*> grown
                        grown = realloc(found_posting, capacity * sizeof(int64_t))
                        if grown == NULL:
                            failed = True
                            break
                        found_posting = <int64_t*> grown
                    found_query[count] = q
                    found_posting[count] = <int64_t> read_packed(&posting_words[0], posting_bits, row)
                    count += 1
                    row += 1
                if failed:
                    break
    try:
        if failed:
            raise MemoryError("no memory for the postings of a query")
        queries = np.empty(count, dtype=np.int64)
        postings = np.empty(count, dtype=np.int64)
        if count:
            memcpy(<void*> np_address(queries), found_query, count * sizeof(int64_t))
            memcpy(<void*> np_address(postings), found_posting, count * sizeof(int64_t))
        return queries, postings
    finally:
        free(found_query)
        free(found_posting)
