"""The compiled core: the hot loops behind normalize, index and match, written in Cython and
compiled by the package's build (`pip install`), each releasing the GIL so that threads can
run them on every core.

`lexers`: the text tokenizer and the code family lexers, with token hashing and offsets;
`fingerprints`: k-gram and structure hashes and winnowing; `align`: seed verification,
X-drop extension and gap alignment; `packing`: bit-packed arrays and the posting lookup
over them. Each kernel has a slow Python reference beside its
caller that the tests pin it to; there is no other runtime path.
"""

from __future__ import annotations

try:
    from . import align, fingerprints, lexers, packing
except ImportError as error:  # pragma: no cover - only on an install that skipped the build
    raise ImportError(
        "wherefrom's compiled core (wherefrom._core) is not built: install wherefrom with a C compiler "
        "present, e.g. 'pip install -e .' in the source tree (Debian/Ubuntu: apt-get install gcc python3-dev)"
    ) from error

__all__ = ["align", "fingerprints", "lexers", "packing"]
