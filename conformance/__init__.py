"""conformance: one suite of resource-distribution cases for Flux and fluxsim.

The cases (``cases/*.yaml``) run unchanged against fluxsim (the default, no
Flux needed) and against a real ``flux start``; both are compared with golden
outcomes recorded from real Flux (``golden/*.json``)::

    pytest --pyargs conformance                       # fluxsim
    pytest -n auto --pyargs conformance --flux-backend=real
    python -m conformance record                      # re-record from real Flux
"""
