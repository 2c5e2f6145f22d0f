"""The c2pa-python library, imported on first use (it loads a native library, ~0.1 s).

This package is ``aiassets.c2pa``; the library is the top-level ``c2pa``. Modules here call
:func:`lib` rather than importing it, so importing ``aiassets`` stays cheap.
"""

from __future__ import annotations

from types import ModuleType


def lib() -> ModuleType:
    import c2pa

    return c2pa
