"""Job annotations (RFC 27) as flux-core 0.88's job manager updates them.

The scheduler annotates a job with each alloc response (``sched.*``), a
user with ``flux job memo`` (``user.*``).  An update is merged into what
the job has, object by object, and a null value deletes its key; objects
left empty go too, and a job whose annotations are all gone has none::

    >>> update({"sched": {"t_estimate": 60.0, "selection_type": "reserved"}},
    ...        {"sched": {"t_estimate": None, "selection_type": "reserved"}})
    {'sched': {'selection_type': 'reserved'}}
    >>> update({"user": {"a": 1}}, {"user": {"a": None}}) is None
    True
"""

__all__ = ["update"]


def _merge(into, new):
    for key, value in new.items():
        if isinstance(value, dict):
            if not isinstance(into.get(key), dict):
                into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


def _clear_null(obj):
    for key in list(obj):
        value = obj[key]
        if isinstance(value, dict):
            _clear_null(value)
            if not value:
                del obj[key]
        elif value is None:
            del obj[key]


def update(annotations, new):
    """``annotations`` (a dict or None) updated by ``new``: a new dict, or None if empty."""
    result = _copy(annotations or {})
    _merge(result, new)
    _clear_null(result)
    return result or None


def _copy(obj):
    # a job's annotations are kept as sent; an update never changes a dict
    # an event or a job-list response already holds
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in obj.items()}
