"""Builds the compiled core (`wherefrom._core`); everything else is declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ("lexers", "fingerprints", "align", "packing")

extensions = [
    Extension(
        f"wherefrom._core.{name}",
        [f"src/wherefrom/_core/{name}.pyx"],
        extra_compile_args=["-O3"],
    )
    for name in KERNELS
]

setup(ext_modules=cythonize(extensions, language_level=3))
