"""Constraints: RFC 35 constraint queries (``"host:n[1-2] -ib"``) and their RFC 31 form.

``parser.ConstraintParser`` is flux-core 0.88's ``flux.constraint.parser``:
it turns a query typed on a command line (``flux submit --requires``) into
the RFC 31 object a jobspec carries.
"""
