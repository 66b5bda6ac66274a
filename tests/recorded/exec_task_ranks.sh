# A task reaches its own broker (local-RANK), which answers the rank attribute
# with its rank.  Recorded on a real ``flux start --test-size=3`` (flux-core 0.88.0).
flux run -N3 -n3 -o cpu-affinity=off flux getattr rank | sort
flux run -N1 --requires=rank:2 flux getattr rank
