"""Which of flux-core 0.88's Python tests ``tests/test_flux_core_python.py`` runs, and
which are known not to pass under ``fluxsim start``, each with its reason."""

#: the test files of the areas fluxsim mirrors -> the instance size each asks for
FILES = {
    "t0001-handle.py": 2,
    "t0005-kvs.py": 2,
    "t0010-job.py": 1,
    "t0013-job-list.py": 1,
    "t0014-job-kvslookup.py": 1,
    "t0015-job-output.py": 2,
    "t0016-job-validate.py": 1,
    "t0017-job-utils.py": 1,
    "t0018-jobspec.py": 1,
    "t0020-hostlist.py": 1,
    "t0021-idset.py": 1,
    "t0022-resource-set.py": 1,
    "t0023-executor.py": 1,
    "t0024-util.py": 1,
    "t0029-fileref.py": 1,
    "t0030-journal.py": 2,
    "t0035-kvs-no-checkpoint.py": 2,
    "t0046-job-watcher.py": 1,
}

#: whole files out of scope: they need a real broker's internals
OUT_OF_SCOPE = {
    "t0014-job-kvslookup.py": "loads a jobtap plugin (.so) from flux-core's build tree "
                              "(FLUX_BUILD_DIR) into the job manager",
    "t0035-kvs-no-checkpoint.py": "starts its broker without a content store (the 'content' "
                                  "personality of flux-core's test harness); fluxsim's KVS "
                                  "always answers a checkpoint",
}

#: file -> {test: why it fails under fluxsim start}
KNOWN_FAILURES = {
    "t0010-job.py": {
        "TestJob.test_24_jobid": "the words (mnemonicode) and emoji job id encodings: their "
                                 "tables are not part of fluxsim (fluxsim.job.JobID)",
    },
}
