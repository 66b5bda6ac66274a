"""Pack an app for the runner: Parsl's serializer, minus the cost of dill on the worker.

Parsl serializes apps with dill.  A function defined in ``__main__`` (the
usual place for a workflow's apps) cannot be pickled by reference, so dill
pickles it by value -- and then loading it needs ``dill._dill``, whose
import (~40 ms) would cost more than the rest of a no-op task.

:func:`pack_apply_message` therefore pickles such a function by value with
the standard library alone: its code through ``marshal``, rebuilt with
``types.FunctionType`` (reached as ``type(os.getenv)``), and its globals as
the worker's ``__main__`` namespace, as dill does with ``recurse=False``
(Parsl's setting) -- plus the modules, ``__main__`` functions and constants
the code names, so that an app may use what its script imported at the top.  Everything else, and every function
this cannot express (closures, defaults that do not pickle ...), goes
through Parsl's serializer unchanged.  The output is Parsl's
``pack_apply_message`` format with Parsl's dill identifier, so
``parsl.serialize.unpack_apply_message`` reads it too::

    >>> buf = pack_apply_message(f, (1, 2), {})
    >>> unpack_apply_message(buf)      # parsl.serialize
    [<function f ...>, (1, 2), {}]
"""

import builtins
import importlib
import io
import marshal
import os
import pickle
import types

from parsl.serialize import facade
from parsl.serialize import serialize as parsl_serialize

__all__ = ["pack_apply_message", "dumps_function"]

_DILL_CALLABLE = b"C2"


class _Call:
    """Pickles as the call ``func(*args)``: how nested reconstructors are written."""

    __slots__ = ("func", "args")

    def __init__(self, func, *args):
        self.func = func
        self.args = args

    def __reduce__(self):
        return (self.func, self.args)

    def __call__(self, *args):  # pickle insists that a reducer's callable be callable
        raise TypeError("only for pickling")


class _Namespace(_Call):
    """Pickles as the loading process's ``__main__`` namespace, with ``items`` set in it."""

    __slots__ = ("items",)

    def __init__(self, items):
        super().__init__(getattr, _Call(builtins.__import__, "__main__"), "__dict__")
        self.items = items

    def __reduce__(self):
        return (self.func, self.args, None, None, iter(self.items.items()))


# types.FunctionType, named by a route plain pickle can follow: type(os.getenv).
_FUNCTION_TYPE = _Call(type, os.getenv)
_CONSTANTS = (int, float, complex, str, bytes, bool, type(None))


def _names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _shipped(value):
    """How a global of ``__main__`` travels with a function that uses it, or None."""
    if isinstance(value, types.ModuleType):
        return _Call(importlib.import_module, value.__name__)
    if type(value) is types.FunctionType and value.__module__ == "__main__" and value.__closure__ is None:
        return value
    if type(value) in _CONSTANTS:
        return value
    return None


def _main_globals(fn):
    """What of the client's ``__main__`` a function needs on the worker.

    dill (``recurse=False``) hands a ``__main__`` function the worker's
    ``__main__`` namespace and nothing of the client's, so that
    ``os.getpid()`` fails in an app whose script did ``import os`` at the
    top.  Here the modules, closure-free ``__main__`` functions and constants
    that the code names -- and, transitively, that those functions name --
    are set into that namespace too.
    """
    main = fn.__globals__
    items, todo, seen = {}, [fn], set()
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        for name in _names(f.__code__):
            if name in main and name not in items:
                shipped = _shipped(main[name])
                if shipped is not None:
                    items[name] = shipped
                    if type(shipped) is types.FunctionType:
                        todo.append(shipped)
    return items


def _reduce_function(fn, namespace):
    state = {k: v for k, v in fn.__dict__.items() if k != "__wrapped__"} or None
    slots = {
        "__qualname__": fn.__qualname__,
        "__module__": fn.__module__,
        "__doc__": fn.__doc__,
        "__kwdefaults__": fn.__kwdefaults__,
    }
    code = _Call(marshal.loads, marshal.dumps(fn.__code__))
    return (_FUNCTION_TYPE, (code, namespace, fn.__name__, fn.__defaults__, None), (state, slots))


class _FunctionPickler(pickle.Pickler):
    """Pickles one ``__main__`` function and the ``__main__`` functions it uses, by value.

    They all share one namespace object, so a function that names itself (or
    a cycle of them) pickles as a cycle rather than forever.
    """

    def __init__(self, file, fn):
        super().__init__(file, protocol=4)
        self.namespace = _Namespace(_main_globals(fn))

    def reducer_override(self, obj):
        if type(obj) is types.FunctionType and obj.__module__ == "__main__" and obj.__closure__ is None:
            return _reduce_function(obj, self.namespace)
        return NotImplemented


def dumps_function(fn):
    """Pickle a closure-free ``__main__`` function by value without dill, or return None."""
    if type(fn) is not types.FunctionType or fn.__module__ != "__main__" or fn.__closure__ is not None:
        return None
    buf = io.BytesIO()
    try:
        _FunctionPickler(buf, fn).dump(fn)
    except Exception:
        return None
    return buf.getvalue()


def _default_code_serializer():
    return list(facade.methods_for_code) == [_DILL_CALLABLE]


def pack_apply_message(func, args, kwargs, extra=None):
    """Parsl's ``pack_apply_message``, with ``func`` pickled without dill when it can be.

    ``extra``, if not None, is serialized as a fourth buffer.
    """
    body = dumps_function(func) if _default_code_serializer() else None
    b_func = _DILL_CALLABLE + b"\n" + body if body is not None else parsl_serialize(func, buffer_threshold=1 << 62)
    buffers = [b_func, parsl_serialize(args, buffer_threshold=1 << 62), parsl_serialize(kwargs, buffer_threshold=1 << 62)]
    if extra is not None:
        buffers.append(parsl_serialize(extra, buffer_threshold=1 << 62))
    return facade.pack_buffers(buffers)
