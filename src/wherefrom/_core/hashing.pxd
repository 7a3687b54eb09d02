# The token hash and the splitmix64 finalizer shared by the kernels; normalize/base.py holds
# the same functions in Python (the test oracles) and their constants.
from libc.stdint cimport uint64_t

cdef extern from *:
    """
    #define WF_MIX1 0xBF58476D1CE4E5B9ULL
    #define WF_MIX2 0x94D049BB133111EBULL
    #define WF_TOKEN_Q 0x9E3779B97F4A7C15ULL
    #define WF_LEN_SALT 0xD6E8FEB86659FD93ULL
    """
    const uint64_t WF_MIX1
    const uint64_t WF_MIX2
    const uint64_t WF_TOKEN_Q
    const uint64_t WF_LEN_SALT


cdef inline uint64_t mix64(uint64_t z) noexcept nogil:
    z ^= z >> 30
    z *= WF_MIX1
    z ^= z >> 27
    z *= WF_MIX2
    return z ^ (z >> 31)


cdef inline uint64_t finish_token(uint64_t acc, uint64_t length) noexcept nogil:
    """The id of a token whose code points summed to `acc` (c_j * Q^j) over `length` of them."""
    return mix64(acc ^ (length * WF_LEN_SALT))
