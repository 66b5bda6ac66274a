"""The instance's own commands: ``getattr``, ``lsattr``, ``version``, ``env``, ``python``, ``uri``."""

import os
import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "local_uri", "resolve", "resolve_as_flux_uri"]


def _getattr(argv):
    p = ArgumentParser(prog="flux-getattr")
    p.add_argument("name")
    args = p.parse_args(argv)
    try:
        print(handle().attr_get(args.name))
    except OSError as exc:
        return fail("getattr", f"{args.name}: {os.strerror(exc.errno)}")
    return 0


def _lsattr(argv):
    p = ArgumentParser(prog="flux-lsattr")
    p.add_argument("-v", "--values", action="store_true", help="show values too")
    args = p.parse_args(argv)
    h = handle()
    for name in h.rpc("attr.list").get()["names"]:
        if args.values:
            print(f"{name:<30}{h.attr_get(name)}")
        else:
            print(name)
    return 0


def _version(argv):
    from fluxsim import __version__
    from fluxsim.instance import FLUX_VERSION

    ArgumentParser(prog="flux-version").parse_args(argv)
    print(f"commands:    \t\t{FLUX_VERSION}")
    print(f"libflux-core:\t\t{FLUX_VERSION}")
    if os.environ.get("FLUX_URI"):
        try:
            print(f"broker:      \t\t{handle().attr_get('version')}")
        except OSError:
            pass
    print(f"build-options:\t\t+fluxsim=={__version__}")
    return 0


def _dropin_env():
    """The variables that make fluxsim's ``flux`` package importable."""
    from fluxsim import dropin

    path = os.environ.get("PYTHONPATH", "")
    parts = [dropin.PYTHONPATH, dropin.PACKAGE_ROOT]
    rest = [p for p in path.split(os.pathsep) if p and p not in parts]
    return {"PYTHONPATH": os.pathsep.join(parts + rest)}


def _env(argv):
    p = ArgumentParser(prog="flux-env")
    p.add_argument("command", nargs="...")
    args = p.parse_args(argv)
    env = _dropin_env()
    if not args.command:
        for key, value in env.items():
            print(f'export {key}="{value}"')
        return 0
    os.environ.update(env)
    try:
        os.execvp(args.command[0], args.command)
    except OSError as exc:
        return fail("env", f"{args.command[0]}: {exc.strerror}", 127)


def _python(argv):
    os.environ.update(_dropin_env())
    os.execv(sys.executable, [sys.executable] + argv)


def resolve(target, wait=False):
    """The uri of ``target``: a uri, or a job id whose nested instance posted
    its ``uri`` memo (``flux uri`` follows them, ``/``-separated, from the
    enclosing instance; ``wait``: until the memo comes or the job finishes).
    ValueError with ``flux uri``'s message if none; with
    ``FLUX_URI_RESOLVE_LOCAL`` set, the ``local://`` form."""
    import flux
    from flux.job import JobID

    if "://" in target:
        uri = target
    else:
        uri = None
        for part in target.strip("/").split("/"):
            try:
                jobid = JobID(part)
            except (ValueError, TypeError, OSError):
                raise ValueError(f"{target} is not a valid Flux jobid") from None
            h = handle() if uri is None else flux.Flux(uri)
            try:
                uri = _posted_uri(h, jobid) if wait else _running_uri(h, jobid, part)
            except FileNotFoundError:
                raise ValueError(f"jobid {part} not found") from None
            if uri is None or str(uri) == "":
                raise ValueError(f"URI not found for job {part}")
            uri = str(uri)
    return local_uri(uri) if "FLUX_URI_RESOLVE_LOCAL" in os.environ else uri


def resolve_as_flux_uri(target):
    """``target``'s uri, or None after ``flux uri``'s error on stderr: what a
    command that resolves its target through ``flux uri`` (libutil's
    ``uri_resolve``) shows before its own message."""
    try:
        return resolve(target)
    except (ValueError, OSError) as exc:
        fail("uri", f"ERROR: {exc}")
        return None


def _running_uri(h, jobid, part):
    """The ``uri`` memo of a running job (None if it has none)."""
    from flux.job import job_list_id

    info = job_list_id(h, jobid, ["state", "annotations"]).get_jobinfo()
    if info.state != "RUN":
        raise ValueError(f"jobid {part} is not running")
    return info.user.uri


def _posted_uri(h, jobid):
    """The ``uri`` memo of a job once posted; None if the job finishes first."""
    import flux.job

    for event in flux.job.event_watch(h, jobid):
        if event.name == "memo" and "uri" in event.context:
            return event.context["uri"]
        if event.name == "finish":
            return None
    return None


def local_uri(uri):
    """``ssh://HOST/PATH`` as ``local:///PATH``."""
    if uri.startswith("ssh://"):
        return "local://" + "/" + uri[len("ssh://"):].split("/", 1)[1]
    return uri


def _uri(argv):
    p = ArgumentParser(prog="flux-uri")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--remote", action="store_true")
    group.add_argument("--local", action="store_true")
    p.add_argument("--wait", action="store_true", help="wait for a job's uri to be posted")
    p.add_argument("target")
    args = p.parse_args(argv)
    try:
        uri = resolve(args.target, wait=args.wait)
    except (ValueError, OSError) as exc:
        return fail("uri", f"ERROR: {exc}")
    print(local_uri(uri) if args.local else uri)
    return 0


_COMMANDS = {"getattr": _getattr, "lsattr": _lsattr, "version": _version, "env": _env,
             "python": _python, "uri": _uri}


def main(prog, argv):
    """Run ``flux PROG ARGV``."""
    return _COMMANDS[prog](argv)
