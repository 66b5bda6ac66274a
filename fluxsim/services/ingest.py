"""job-ingest: ``job-ingest.submit`` takes a jobspec and answers with the new id."""

import errno

__all__ = ["TOPICS"]


def _submit(inst, request):
    payload = request.payload
    J = payload.get("J")
    urgency = payload.get("urgency", 16)
    flags = payload.get("flags", 0)
    if not isinstance(J, str) or not isinstance(flags, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = inst.submit(J, urgency, flags, userid=request.userid)
    return {"id": job.id}


TOPICS = {"job-ingest.submit": _submit}
