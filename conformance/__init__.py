"""conformance: one suite of resource-distribution cases for Flux and fluxsim.

The cases (``cases/*.yaml``) run unchanged against fluxsim (the default, no
Flux needed) and against a real ``flux start``; both are compared with golden
outcomes recorded from real Flux, one set per scheduler
(``golden/sched-simple/*.json``, ``golden/fluxion/*.json``)::

    pytest --pyargs conformance                       # fluxsim (sched-simple)
    pytest -n auto --pyargs conformance --flux-backend=real [--flux-scheduler=fluxion]
    python -m conformance record [--flux-scheduler=fluxion]   # re-record from real Flux
"""
