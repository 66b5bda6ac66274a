"""PSI/J's Flux executor (psij-python 0.9.11), unchanged: submit, wait, cancel, list, attach."""
import time
from psij import Job, JobSpec, JobExecutor, JobState, ResourceSpecV1

ex = JobExecutor.get_instance("flux")
out = []
j = Job(JobSpec(executable="/bin/echo", arguments=["hello"],
                resources=ResourceSpecV1(process_count=2, cpu_cores_per_process=1)))
ex.submit(j)
st = j.wait()
out.append(("echo", str(st.state), st.exit_code))
j = Job(JobSpec(executable="/bin/false", resources=ResourceSpecV1(process_count=1, cpu_cores_per_process=1)))
ex.submit(j)
st = j.wait()
out.append(("false", str(st.state), st.exit_code))
j = Job(JobSpec(executable="/bin/sleep", arguments=["30"], resources=ResourceSpecV1(process_count=1, cpu_cores_per_process=1)))
ex.submit(j)
j.wait(target_states=[JobState.ACTIVE])
listed = j.native_id in ex.list()
j2 = Job()
ex.attach(j2, j.native_id)
j.cancel()
st = j.wait()
out.append(("sleep", str(st.state), listed))
st2 = j2.wait()
out.append(("attached", str(st2.state)))
j = Job(JobSpec(executable="/bin/true", resources=ResourceSpecV1(process_count=99, node_count=99, cpu_cores_per_process=1)))
ex.submit(j)
st = j.wait()
out.append(("unsat", str(st.state), bool(st.message)))
for line in out:
    print(*line)
