"""An integer as flux's C API takes it (``uint32_t`` node ids, ``uint64_t`` job ids).

flux's bindings pass integers through cffi, which refuses one that does not
fit with these ``OverflowError`` messages; fluxsim's clients check the same
way, so a bad id fails as it would against a real broker.
"""

__all__ = ["unsigned"]


def unsigned(value, bits):
    """``int(value)`` if it fits in ``bits`` unsigned bits, else cffi's OverflowError."""
    value = int(value)
    if value < 0:
        raise OverflowError("can't convert negative number to unsigned")
    if value >> bits:
        raise OverflowError("int too big to convert")
    return value
