"""Jobspec: the job request a user submits (RFC 14, version 1 in RFC 25).

A jobspec is a dict with four keys: ``resources`` (a tree of resource
vertices whose ``slot`` vertices say what one task slot holds), ``tasks``
(the command and how many tasks to run per slot or in total),
``attributes`` (``system`` attributes Flux acts on, free-form ``user``
ones) and ``version``.  ``Jobspec`` wraps and validates the general
(RFC 14) form, ``JobspecV1`` the version 1 subset that Flux schedulers
accept, and ``JobspecV1.from_command`` builds the usual one::

    >>> js = JobspecV1.from_command(["hostname"], num_tasks=4, num_nodes=2,
    ...                             environment={})
    >>> [(vertex["type"], total) for _, vertex, total in js.resource_walk()]
    [('node', 2), ('slot', 4), ('core', 4)]
    >>> js.tasks[0]["count"]
    {'per_slot': 1}
    >>> js.duration = "1h"
    >>> js.getattr("system.duration")
    3600.0

The interface is ``flux.job.Jobspec`` of flux-core 0.88: the same names and
signatures, return values, exception types and messages, and the same key
order in the dicts (and so in ``dumps()``), so code written against
``flux.job`` runs unchanged.  The rules themselves are tables in
:mod:`fluxsim.job._validate`.  One difference: the hostlists in a
constraint are type-checked but not decoded (Flux also checks them against
the enclosing instance, which a validator runs outside of).

``apply_options`` and the ``from_submit``/``from_alloc``/``from_batch``
builders are ``flux submit``'s command-line option layer as Python calls
(environment and rlimit propagation, ``--requires``, dependencies, CLI
plugins, ...); the option rules are in :mod:`fluxsim.job._utils`::

    >>> js = JobspecV1.from_submit(["app"], ntasks=4, time_limit="1h",
    ...                            requires=["ib"], env=["-*", "OMP_NUM_THREADS=4"])
    >>> js.duration, js.getattr("constraints"), js.environment
    (3600.0, {'properties': ['ib']}, {'OMP_NUM_THREADS': '4'})

``jobspec1_check`` is an addition: the stricter structural rules of
flux-core's C library (``flux_jobspec1_check``, see
:mod:`fluxsim.job._jobspec1`), which reject some jobspecs the Python
``JobspecV1`` accepts, e.g. unknown resource types.
"""

import collections
import datetime
import errno
import itertools
import json
import math
import os
import pathlib
from collections.abc import Mapping
from types import SimpleNamespace

import yaml

from fluxsim.constraint.parser import ConstraintSyntaxError
from fluxsim.job import _jobspec1, _utils, _validate
from fluxsim.util import Fileref, del_treedict, parse_fsd, set_treedict

__all__ = [
    "Jobspec",
    "JobspecV1",
    "validate_jobspec",
    "validate_counts",
    "jobspec1_check",
]


def validate_counts(resources):
    """Raise ValueError unless every resource count in the tree is an int (a V1 rule)."""
    _validate.check_counts(resources)


def _json_bytes(jobspec):
    """``jobspec`` (a Jobspec, or JSON as str or bytes) as JSON text for json.loads."""
    if isinstance(jobspec, Jobspec):
        return jobspec.dumps()
    if isinstance(jobspec, str):
        return jobspec.encode("utf-8", errors="surrogateescape")
    if jobspec is None:
        # Flux names None here rather than let the JSON decoder complain
        raise EnvironmentError(errno.EINVAL, "jobspec must not be None/NULL")
    if not isinstance(jobspec, bytes):
        raise TypeError("jobspec must be a Jobspec or string (either binary or unicode)")
    return jobspec


def validate_jobspec(jobspec, require_version=None):
    """Validate a jobspec the way Flux's job-ingest does at every submission.

    The jobspec is built as a ``JobspecV1`` if ``require_version`` is 1 or
    its ``version`` is 1, else as a ``Jobspec``; building it runs the checks.

    Args:
        jobspec: a Jobspec, or the jobspec as JSON str or bytes.
        require_version: 1 to apply the V1 rules whatever the version says.

    Returns:
        ``(True, jobspec_object)``, or ``(1, "Unable to parse JSON")`` when
        the JSON is ``null``.

    Raises:
        ValueError, TypeError: the jobspec is invalid.
        EnvironmentError: ``jobspec`` is None.
    """
    obj = json.loads(_json_bytes(jobspec))
    if obj is None:
        return (1, "Unable to parse JSON")
    _validate.check_keys(_validate.SECTIONS, obj.keys())
    cls = JobspecV1 if require_version == 1 or obj.get("version", 0) == 1 else Jobspec
    return True, cls(**obj)


def jobspec1_check(jobspec):
    """Check a jobspec (a Jobspec, dict, or JSON str/bytes) as libjob's ``flux_jobspec1_check`` does.

    Raises:
        ValueError: with libjob's error text (see :mod:`fluxsim.job._jobspec1`).
    """
    if isinstance(jobspec, Jobspec):
        jobspec = jobspec.jobspec
    _jobspec1.check(jobspec)


def _attribute_path(key):
    """The full dotted path of an attribute key (``duration`` -> ``attributes.system.duration``).

    A key naming neither ``user.`` nor ``system.`` is a system attribute.
    """
    if key.startswith("attributes."):
        return key
    if key.startswith(("user.", "system.")):
        return "attributes." + key
    return "attributes.system." + key


# -- attribute properties ----------------------------------------------------------
#
# A property reads ``attributes.system.<name>`` (None when unset) and writes
# what its converter makes of the value; the converters raise Flux's errors.


def _seconds(duration):
    if isinstance(duration, str):
        seconds = parse_fsd(duration)
    elif isinstance(duration, datetime.timedelta):
        seconds = duration.total_seconds()
    elif isinstance(duration, (float, int)):
        seconds = float(duration)
    else:
        raise TypeError("duration must be an int, float, string, or timedelta")
    if seconds < 0:
        raise ValueError("duration must not be negative")
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError("duration must be a normal, finite value")
    return seconds


def _must_be(kind, error, message):
    """A converter that passes values of type ``kind`` and raises ``error(message)`` for others."""

    def convert(value):
        if not isinstance(value, kind):
            raise error(message)
        return value

    return convert


def _fspath(value):
    return os.fspath(value) if isinstance(value, os.PathLike) else value


_queue_name = _must_be(str, TypeError, "queue must be a string")
_cwd_string = _must_be(str, ValueError, "cwd must be a string")
# the environment is stored as given, not copied: later changes to it show
_environ = _must_be(Mapping, ValueError, "environment must be a mapping")


def _lookup(node, *path):
    """``node[a][b]...`` for ``path`` (a, b, ...), or None if a key is missing."""
    try:
        for key in path:
            node = node[key]
    except KeyError:
        return None
    return node


def _system_attribute(name, convert, doc):
    def put(self, value):
        self.setattr("system." + name, convert(value))

    return property(lambda self: _lookup(self.jobspec, "attributes", "system", name), put, doc=doc)


def _stdio(iotype, stream, doc):
    """A property for the file a stdio stream is redirected to (a job shell option)."""
    where = ("attributes", "system", "shell", "options", iotype, stream, "path")

    def put(self, path):
        path = _fspath(path)
        if not isinstance(path, str):
            raise TypeError(f"The path must be a string or pathlib object, got {type(path).__name__}")
        self.setattr_shell_option(f"{iotype}.{stream}.type", "file")
        self.setattr_shell_option(f"{iotype}.{stream}.path", path)

    return property(lambda self: _lookup(self.jobspec, *where), put, doc=doc)


# What ``unbuffered = True`` sets, as (shell option, value, what ``False``
# removes, removed only while the option still has that value).
_UNBUFFERED = (
    ("output.stdout.buffer.type", "none", "output.stdout.buffer", False),
    ("output.stderr.buffer.type", "none", "output.stderr.buffer", False),
    ("output.batch-timeout", 0.05, "output.batch-timeout", True),
    ("input.batch-timeout", 0.0, "input.batch-timeout", True),
)


class Jobspec(object):
    """A canonical (RFC 14) jobspec, validated on construction.

    Args:
        resources (Sequence): the resource vertex tree.
        tasks (Sequence): the task list.
        attributes (Mapping): ``system`` and/or ``user`` attributes.
        version (int): jobspec version, >= 1.

    Raises:
        TypeError, ValueError: the jobspec is invalid (Flux's messages).

    The dict itself is the ``jobspec`` attribute; the methods below read and
    change it in place.
    """

    top_level_keys = set(_validate.SECTIONS)

    def __init__(self, resources, tasks, attributes, version):
        jobspec = {"resources": resources, "tasks": tasks, "attributes": attributes, "version": version}
        _validate.check_jobspec(jobspec)
        self.jobspec = jobspec

    @classmethod
    def from_yaml_stream(cls, yaml_stream):
        """Create a jobspec from a YAML string or file-like object."""
        jobspec = yaml.safe_load(yaml_stream)
        _validate.check_keys(_validate.SECTIONS, jobspec.keys())
        return cls(**jobspec)

    @classmethod
    def from_yaml_file(cls, filename):
        """Create a jobspec from the path of a YAML file."""
        with open(filename, "rb") as infile:
            return cls.from_yaml_stream(infile)

    # -- attributes ---------------------------------------------------------------

    duration = _system_attribute(
        "duration",
        _seconds,
        """The job's time limit in seconds (``attributes.system.duration``), or None.

        Set from seconds, a Flux Standard Duration string (``"30m"``) or a
        ``datetime.timedelta``; stored as a float.  Zero means unlimited.""",
    )
    queue = _system_attribute("queue", _queue_name, "The queue the job is submitted to, or None.")
    cwd = _system_attribute(
        "cwd",
        lambda cwd: _cwd_string(_fspath(cwd)),
        "The job's working directory (set from str or os.PathLike), or None.",
    )
    environment = _system_attribute(
        "environment", _environ, "The job's environment mapping (stored as given, not copied), or None."
    )

    input = _stdio("input", "stdin", "File the tasks' stdin is read from (shell option ``input.stdin``).")
    output = _stdio(
        "output", "stdout", "File the tasks' stdout goes to (``output.stdout``); stderr too unless ``error`` is set."
    )
    error = _stdio("output", "stderr", "File the tasks' stderr goes to (shell option ``output.stderr``).")
    # Flux's other names for the same three
    stdin = input
    stdout = output
    stderr = error

    @property
    def unbuffered(self):
        """True if stdout and stderr are unbuffered.

        True sets both buffer types to ``none`` and shortens the output and
        input batch timeouts (0.05 s, 0); False removes the buffer settings
        and the timeouts still at those values.  Only True/False are accepted.
        """
        try:
            return all(self.getattr("shell.options." + option) == "none" for option, *_ in _UNBUFFERED[:2])
        except KeyError:
            return False

    @unbuffered.setter
    def unbuffered(self, value):
        if not isinstance(value, bool):
            raise TypeError("unbuffered must be True or False")
        if value:
            for option, setting, _, _ in _UNBUFFERED:
                self.setattr_shell_option(option, setting)
            return
        try:
            for option, setting, removed, only_if_unchanged in _UNBUFFERED:
                if only_if_unchanged and self.getattr("shell.options." + option) != setting:
                    continue
                del_treedict(self.attributes, "system.shell.options." + removed, remove_empty=True)
        except KeyError:
            # as in Flux, the first option already missing ends the clean-up
            pass

    def add_file(self, path, data, perms=None, encoding=None):
        """Add a file to the job's RFC 37 file archive (``system.files``).

        Args:
            path (str): name of the file in the archive.
            data (Mapping, str): a dict (written as JSON), file content, or a
                local path to read.  A str containing a newline, or any str
                with ``encoding`` set, is content; other strs are paths.
            perms (int): mode for content (default 0o600); a file read
                from a path keeps its own mode.
            encoding (str): ``utf-8`` or ``base64`` for content in ``data``.
        """
        if not isinstance(data, (Mapping, str)):
            raise TypeError("data must be a Mapping or string")
        system = self.jobspec["attributes"]["system"]
        files = system.get("files", {})
        if encoding is None and "\n" in data:
            encoding = "utf-8"
        files[path] = Fileref(data, perms=0o600 if perms is None else perms, encoding=encoding)
        system["files"] = files

    def getattr(self, key):
        """Return an attribute by dotted key, e.g. ``system.duration``.

        ``attributes.`` may be included; a key not starting with ``user.``
        or ``system.`` is taken as a system attribute.

        Raises:
            KeyError: a component of ``key`` is missing (or is None).
        """
        node = self.jobspec
        for name in _attribute_path(key).split("."):
            node = node.get(name)
            if node is None:
                raise KeyError
        return node

    def setattr(self, key, val):
        """Set an attribute by dotted key (see :meth:`getattr`), creating levels."""
        try:
            key = _attribute_path(key)
            set_treedict(self.jobspec, key, val)
        except TypeError as exc:
            raise TypeError(f"failed to set {key} to {val}: {exc}")

    def setattr_shell_option(self, key, val):
        """Set job shell option ``key`` (``attributes.system.shell.options.<key>``)."""
        self.setattr("system.shell.options." + key, val)

    def dumps(self, **kwargs):
        """Return the jobspec as JSON (non-ASCII kept); kwargs go to json.dumps."""
        return json.dumps(self.jobspec, ensure_ascii=False, **kwargs)

    # -- sections and resources ---------------------------------------------------

    resources = property(lambda self: self.jobspec.get("resources"), doc="The ``resources`` section.")
    tasks = property(lambda self: self.jobspec.get("tasks"), doc="The ``tasks`` section.")
    attributes = property(lambda self: self.jobspec.get("attributes"), doc="The ``attributes`` section.")
    version = property(lambda self: self.jobspec.get("version"), doc="The jobspec ``version``.")

    def __iter__(self):
        """Iterate over all resource vertices, depth-first, parents first."""
        return _validate.preorder(self.resources)

    def resource_walk(self):
        """Iterate ``(parent, vertex, total)`` over the resource tree, parents first.

        ``parent`` is None at the top level; ``total`` is how many of the
        vertex the whole request holds, its count times its ancestors' (2
        slots of 4 cores give a total of 8 for the cores).
        """

        def walk(vertices, parent, multiplier):
            for vertex in vertices:
                total = multiplier * vertex["count"]
                yield parent, vertex, total
                yield from walk(vertex.get("with", []), vertex, total)

        return walk(self.resources, None, 1)

    def resource_counts(self):
        """Total count of each resource type (a defaultdict(int)), nested counts multiplied.

        Units (of memory, say) are not taken into account.
        """
        counts = collections.defaultdict(int)
        for _, vertex, total in self.resource_walk():
            counts[vertex["type"]] += total
        return counts

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.resources}, {self.tasks}, "
            f"attributes={self.attributes}, version={self.version})"
        )

    def __str__(self):
        return str(self.jobspec)


# -- building V1 resource requests -------------------------------------------------
#
# Every factory asks for the same shape: ``nslots`` slots labelled "task",
# each of some cores and maybe GPUs, either directly or under ``nnodes``
# nodes.  Key order matters: it is the order ``dumps()`` writes, as Flux does.


def _vertex(kind, count, children=(), exclusive=False):
    vertex = {"type": kind, "count": count}
    if exclusive:
        vertex["exclusive"] = True
    if children:
        vertex["with"] = list(children)
    return vertex


def _request(nslots, cores, gpus=None, nnodes=None, exclusive=False):
    """The ``resources`` section: slots of ``cores`` cores (and ``gpus`` GPUs), under nodes if any."""
    holds = [_vertex("core", cores)]
    if gpus:
        holds.append(_vertex("gpu", gpus))
    slot = _vertex("slot", nslots, holds)
    slot["label"] = "task"
    return [_vertex("node", nnodes, [slot], exclusive) if nnodes else slot]


# The options every factory takes besides the resource shape.
_OPTIONS = (
    "duration",
    "environment",
    "env_expand",
    "cwd",
    "rlimits",
    "name",
    "input",
    "output",
    "error",
    "label_io",
    "unbuffered",
    "queue",
    "bank",
)


def _is_count(value, low):
    return isinstance(value, int) and value >= low


def _require(condition, message):
    if not condition:
        raise ValueError(message)


class JobspecV1(Jobspec):
    """A version 1 jobspec (RFC 25), the form Flux schedulers accept.

    On top of the RFC 14 checks: version 1, a numeric
    ``attributes.system.duration``, task counts ``per_slot`` or ``total``,
    and plain integer resource counts.

    Args:
        resources, tasks, attributes: as for :class:`Jobspec`.
        version (int): must be 1.
    """

    def __init__(self, resources, tasks, attributes, version=1):
        if version != 1:
            raise ValueError("version must be 1")
        super().__init__(resources, tasks, attributes, version)
        _validate.check_v1(self.jobspec)

    @classmethod
    def _running(cls, command, resources, count, per_resource=None):
        """The jobspec a factory starts from: ``command`` on ``resources``, no time limit (0)."""
        attributes = {"system": {"duration": 0}}
        if per_resource:
            set_treedict(attributes, "system.shell.options.per-resource", per_resource)
        return cls(resources, [{"command": command, "slot": "task", "count": count}], attributes=attributes)

    def _set_extra_options(
        self,
        duration=None,
        environment=None,
        env_expand=None,
        cwd=None,
        rlimits=None,
        name=None,
        input=None,
        output=None,
        error=None,
        label_io=False,
        unbuffered=False,
        queue=None,
        bank=None,
    ):
        """Apply the options every factory takes, in Flux's order (it is the key order); return self."""
        if duration is not None:
            self.duration = duration
        # no environment means the submitter's whole environment, as flux submit
        self.environment = dict(os.environ) if environment is None else environment
        self._shell_mapping("env_expand", "env-expand", env_expand)
        if cwd is not None:
            self.cwd = cwd
        self._shell_mapping("rlimits", "rlimit", rlimits)
        if name is not None:
            self.setattr("job.name", name)
        if input is not None:
            self.input = input
        # "none" and "kvs" name the default destination (the KVS), not a file
        for stream, path, label in (("output", output, "output.stdout.label"), ("error", error, "output.stderr.label")):
            if path is not None and path not in ("none", "kvs"):
                setattr(self, stream, path)
                if label_io:
                    self.setattr_shell_option(label, True)
        if unbuffered:
            self.unbuffered = True
        for key, value in (("queue", queue), ("bank", bank)):
            if value is not None:
                self.setattr(key, value)
        return self

    def _shell_mapping(self, argument, option, value):
        if value is not None:
            _require(isinstance(value, Mapping), f"{argument} must be a mapping")
            self.setattr_shell_option(option, value)

    @classmethod
    def per_resource(
        cls,
        command,
        ncores=None,
        nnodes=None,
        per_resource_type=None,
        per_resource_count=None,
        gpus_per_node=None,
        exclusive=False,
        **kwargs,
    ):
        """Build a V1 jobspec from a node and/or core count, with tasks per resource.

        The request is ``ncores`` cores (spread evenly over ``nnodes`` nodes
        if both are given) or ``nnodes`` whole nodes (needs ``exclusive``);
        the job shell then starts ``per_resource_count`` tasks on each
        allocated ``per_resource_type`` ("node" or "core"), via the
        ``per-resource`` shell option.

        Args:
            command (list of str): the command to run.
            ncores (int): total cores.
            nnodes (int): total nodes.
            per_resource_type (str): "node" or "core".
            per_resource_count (int): tasks per resource of that type.
            gpus_per_node (int): GPUs per node (needs ``nnodes``).
            exclusive (bool): whole nodes (needs ``nnodes``).
            **kwargs: options as for :meth:`from_command` (duration, cwd, ...).

        Raises:
            ValueError: inconsistent or out-of-range arguments.
        """
        per_resource = _per_resource_option(per_resource_type, per_resource_count)
        _require(ncores is None or _is_count(ncores, 1), "ncores must be an integer >= 1")
        if gpus_per_node is not None:
            _require(_is_count(gpus_per_node, 0), "gpus_per_node must be an integer >= 0")
            _require(nnodes, "gpus_per_node must be specified with nnodes")
        if nnodes is not None:
            _require(_is_count(nnodes, 1), "nnodes must be an integer >= 1")
        else:
            _require(not exclusive, "exclusive can only be set with a node count")

        # With nodes there is one slot per node, holding its share of the
        # cores; without, every core is a slot of its own.
        if nnodes and ncores:
            _require(ncores >= nnodes, "number of cores cannot be less than nnodes")
            _require(ncores % nnodes == 0, "number of cores must be evenly divisible by node count")
            nslots, cores = 1, int(ncores / nnodes)
        elif ncores:
            nslots, cores = ncores, 1
        elif nnodes:
            _require(exclusive, "Specifying nnodes also requires ncores or exclusive")
            nslots, cores = 1, 1
        else:
            raise ValueError("must specify node or core count with per_resource")

        resources = _request(nslots, cores, gpus_per_node, nnodes, exclusive)
        jobspec = cls._running(command, resources, {"per_slot": 1}, per_resource)
        return jobspec._set_extra_options(**kwargs)

    @classmethod
    def from_command(
        cls,
        command,
        num_tasks=1,
        cores_per_task=1,
        gpus_per_task=None,
        num_nodes=None,
        exclusive=False,
        duration=None,
        environment=None,
        env_expand=None,
        cwd=None,
        rlimits=None,
        name=None,
        input=None,
        output=None,
        error=None,
        label_io=False,
        unbuffered=False,
        queue=None,
        bank=None,
    ):
        """Build the minimal V1 jobspec that runs ``command`` as ``num_tasks`` tasks.

        Each task gets a slot of ``cores_per_task`` cores (and
        ``gpus_per_task`` GPUs).  Without ``num_nodes`` the resources are
        ``num_tasks`` slots; with it, ``num_nodes`` nodes each holding
        ceil(num_tasks / num_nodes) slots, and when that does not divide
        evenly the task count becomes ``total: num_tasks`` so the spare
        slots stay empty.

        Args:
            command (list of str): the command to run.
            num_tasks (int): number of tasks (>= 1).
            cores_per_task (int): cores per task (>= 1).
            gpus_per_task (int): GPUs per task (>= 0; 0 means none).
            num_nodes (int): spread the tasks over this many nodes
                (1 <= num_nodes <= num_tasks).
            exclusive (bool): allocate whole nodes (needs ``num_nodes``).
            duration: time limit, as for the :attr:`duration` setter.
            environment (Mapping): job environment; default: os.environ.
            env_expand (Mapping): variables with mustache templates that the
                job shell expands.
            cwd (str): working directory.
            rlimits (Mapping): resource limits, e.g. ``{"nofile": 12000}``.
            name (str): job name.
            input, output, error (str, os.PathLike): stdio files; ``output``
                and ``error`` of "none" or "kvs" keep the default.
            label_io (bool): label file output with task ranks.
            unbuffered (bool): see :attr:`unbuffered`.
            queue (str): queue to submit to.
            bank (str): bank to charge.

        Raises:
            ValueError: a count is not an integer in range, ``num_nodes``
                exceeds ``num_tasks``, or ``exclusive`` without ``num_nodes``.
        """
        # everything but the shape goes to _set_extra_options as given
        given = locals()
        options = {name: given[name] for name in _OPTIONS}
        _require(_is_count(num_tasks, 1), "task count must be a integer >= 1")
        _require(_is_count(cores_per_task, 1), "cores per task must be an integer >= 1")
        _require(gpus_per_task is None or _is_count(gpus_per_task, 0), "gpus per task must be an integer >= 0")
        count = {"per_slot": 1}
        if num_nodes is None:
            _require(not exclusive, "exclusive can only be set with a node count")
            resources = _request(num_tasks, cores_per_task, gpus_per_task)
        else:
            _require(_is_count(num_nodes, 1), "node count must be an integer >= 1 (if set)")
            _require(num_nodes <= num_tasks, "node count must not be greater than task count")
            if num_tasks % num_nodes:
                # the last node's spare slots stay empty
                count = {"total": num_tasks}
            per_node = math.ceil(num_tasks / num_nodes)
            resources = _request(per_node, cores_per_task, gpus_per_task, num_nodes, exclusive)
        return cls._running(command, resources, count)._set_extra_options(**options)

    @classmethod
    def from_batch_command(
        cls,
        script,
        jobname,
        args=None,
        num_slots=1,
        cores_per_slot=1,
        gpus_per_slot=None,
        num_nodes=None,
        broker_opts=None,
        exclusive=False,
        conf=None,
        **kwargs,
    ):
        """Build a jobspec for a nested Flux instance that runs a batch script.

        The script text travels in the jobspec's file archive as ``script``
        (mode 0700) and the instance's initial program is
        ``{{tmpdir}}/script`` with ``args``.  Otherwise as
        :meth:`from_nest_command`; ``jobname`` becomes the job name.

        Args:
            script (str): the script's content; must start with ``#!``.
            jobname (str): the job name.
            args (iterable of str): arguments for the script.
            num_slots, cores_per_slot, gpus_per_slot, num_nodes,
            broker_opts, exclusive, conf: as for :meth:`from_nest_command`.
            **kwargs: options as for :meth:`from_command`.

        Raises:
            ValueError: ``script`` has no ``#!`` line.
        """
        if not script.startswith("#!"):
            raise ValueError(f"{jobname} does not appear to start with '#!'")
        jobspec = cls.from_nest_command(
            ["{{tmpdir}}/script", *(() if args is None else args)],
            num_slots=num_slots,
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            num_nodes=num_nodes,
            broker_opts=broker_opts,
            exclusive=exclusive,
            conf=conf,
            name=jobname,
            **kwargs,
        )
        jobspec.add_file("script", script, perms=0o700, encoding="utf-8")
        return jobspec

    @classmethod
    def from_nest_command(
        cls,
        command,
        num_slots=1,
        cores_per_slot=1,
        gpus_per_slot=None,
        num_nodes=None,
        broker_opts=None,
        exclusive=False,
        conf=None,
        **kwargs,
    ):
        """Build a jobspec for a nested Flux instance whose initial program is ``command``.

        One ``flux broker`` runs per node (shell option
        ``per-resource.type=node``), with ``mpi=none`` and
        ``exit-timeout=none``.  Slots only size the allocation.

        Args:
            command (list of str): the instance's initial program.
            num_slots (int): number of slots.
            cores_per_slot (int): cores per slot.
            gpus_per_slot (int): GPUs per slot.
            num_nodes (int): spread the slots over this many nodes.
            broker_opts (iterable of str): extra ``flux broker`` options.
            exclusive (bool): whole nodes.
            conf (dict): broker configuration, added to the file archive as
                ``conf.json`` and passed with ``-c{{tmpdir}}/conf.json``.
            **kwargs: options as for :meth:`from_command`.
        """
        broker = ["flux", "broker", *([] if broker_opts is None else list(broker_opts))]
        if conf is not None:
            broker.append("-c{{tmpdir}}/conf.json")
        jobspec = cls.from_command(
            command=[*broker, *command],
            num_tasks=num_slots,
            cores_per_task=cores_per_slot,
            gpus_per_task=gpus_per_slot,
            num_nodes=num_nodes,
            exclusive=exclusive,
            **kwargs,
        )
        for option, value in (("per-resource.type", "node"), ("mpi", "none"), ("exit-timeout", "none")):
            jobspec.setattr_shell_option(option, value)
        if conf is not None:
            jobspec.add_file("conf.json", conf)
        return jobspec

    @classmethod
    def from_submit(
        cls,
        command,
        *,
        ntasks=1,
        nodes=None,
        cores_per_task=1,
        gpus_per_task=None,
        exclusive=False,
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        **kwargs,
    ):
        """The jobspec ``flux submit`` makes: :meth:`from_command`, then
        :meth:`apply_options` with ``prog="submit"``.

        The keyword arguments shape the job as for :meth:`from_command`
        (``ntasks`` tasks over ``nodes`` nodes, ...); ``kwargs`` are
        :meth:`apply_options`' (``env``, ``time_limit``, ``dependency``,
        CLI plugin option dests, ...).  The submitter's environment and
        default rlimits are propagated unless ``env``/``rlimit`` say otherwise.
        A plugin's ``preinit`` runs after the jobspec is built, so it cannot
        resize the job.
        """
        job = _job_options(locals())
        jobspec = cls.from_command(
            command,
            num_tasks=ntasks,
            cores_per_task=cores_per_task,
            gpus_per_task=gpus_per_task,
            num_nodes=nodes,
            exclusive=exclusive,
            **job,
        )
        return jobspec._apply_defaults("submit", kwargs)

    def _apply_defaults(self, prog, kwargs):
        # as the command line does: propagate the environment and the
        # default rlimits even when the caller gives no rules for them
        env, rlimit = kwargs.pop("env", []), kwargs.pop("rlimit", [])
        return self.apply_options(prog=prog, env=env, rlimit=rlimit, **kwargs)

    @classmethod
    def from_alloc(
        cls,
        *,
        nslots=None,
        nodes=None,
        cores_per_slot=1,
        gpus_per_slot=None,
        exclusive=False,
        broker_opts=None,
        conf=None,
        bg=False,
        command=(),
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        **kwargs,
    ):
        """The jobspec ``flux alloc`` makes: a nested instance (:meth:`from_nest_command`
        with no initial program), then :meth:`apply_options` with ``prog="alloc"``.

        ``nslots`` defaults to ``nodes`` (with whole nodes); one of them is
        required (ValueError).  ``conf`` is a dict, a ``BatchConfig`` or a
        string ``BatchConfig.update`` takes; ``bg`` captures the instance's
        pty and, without a ``command``, starts it with no initial program
        (``-Sbroker.rc2_none=1``).  ``cwd`` defaults to the current
        directory; ``kwargs`` as for :meth:`from_submit`.

        ``command`` is a fluxsim addition (flux-core 0.88's ``from_alloc``
        has no initial program): the instance's initial program, as
        ``flux alloc COMMAND`` gives it, so that command builds its jobspec
        here too.
        """
        job = _job_options(locals(), cwd=os.getcwd() if cwd is None else cwd)
        if nslots is None:
            if nodes is None:
                raise ValueError("from_alloc() requires nslots or nodes")
            nslots, exclusive = nodes, True
        if bg and not command:
            broker_opts = [*(broker_opts or []), "-Sbroker.rc2_none=1"]
        jobspec = cls.from_nest_command(
            command=list(command),
            **_nest_shape(nslots, cores_per_slot, gpus_per_slot, nodes, broker_opts, exclusive, conf),
            **job,
        )
        if bg:
            jobspec.setattr_shell_option("pty.capture", 1)
        return jobspec._apply_defaults("alloc", kwargs)

    @classmethod
    def from_batch(
        cls,
        script=None,
        *,
        content=None,
        nslots=None,
        nodes=None,
        cores_per_slot=1,
        gpus_per_slot=None,
        exclusive=False,
        broker_opts=None,
        conf=None,
        wrap=False,
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        **kwargs,
    ):
        """The jobspec ``flux batch`` makes: :meth:`from_batch_command`, then
        :meth:`apply_options` with ``prog="batch"``.

        The script is the file ``script`` (a path; the job name defaults to
        its file name) or the text ``content`` (name ``batch``): exactly one
        (TypeError).  ``wrap`` puts ``#!/bin/sh`` before a script without a
        ``#!`` line.  ``nslots`` defaults to ``nodes`` (whole nodes), else 1;
        ``cwd`` to the current directory; ``output`` to ``flux-{{id}}.out``.
        ``conf`` and ``kwargs`` as for :meth:`from_alloc`.
        """
        if script is not None and content is not None:
            raise TypeError("from_batch() accepts 'script' or 'content', not both")
        if script is None and content is None:
            raise TypeError("from_batch() requires 'script' (file path) or 'content' (inline script)")
        if content is None:
            path = pathlib.Path(script)
            name = path.name if name is None else name
            content = path.read_text(encoding="utf-8")
        if wrap and not content.startswith("#!"):
            content = "#!/bin/sh\n" + content
        if nslots is None:
            nslots, exclusive = (nodes, True) if nodes is not None else (1, exclusive)
        job = _job_options(
            locals(),
            cwd=os.getcwd() if cwd is None else cwd,
            output="flux-{{id}}.out" if output is None else output,
        )
        jobspec = cls.from_batch_command(
            script=content,
            jobname="batch" if job.pop("name") is None else name,
            **_nest_shape(nslots, cores_per_slot, gpus_per_slot, nodes, broker_opts, exclusive, conf),
            **job,
        )
        return jobspec._apply_defaults("batch", kwargs)

    def apply_options(
        self,
        args=None,
        *,
        prog=None,
        _preinit=True,
        env=None,
        rlimit=None,
        signal=None,
        taskmap=None,
        dependency=None,
        requires=None,
        shell_options=None,
        time_limit=None,
        attributes=None,
        add_file=None,
        **kwargs,
    ):
        """Apply ``flux submit`` options to this jobspec; return self.

        Options come from ``args`` (an argparse Namespace or any object with
        the option attributes, as the command line passes them) and from
        keyword arguments, which win.  Options not given are left alone;
        ``env`` and ``rlimit`` are applied only when given or when ``args``
        is (``env=[]`` propagates the whole environment).

        Args:
            prog (str): "submit", "run", "batch" or "alloc": load that
                command's CLI plugins (:mod:`fluxsim.command.plugin`), accept
                their option dests as keyword arguments, and run their
                ``preinit`` (if ``_preinit``) and ``modify_jobspec`` hooks.
            env (list): ``--env`` rules (``-PATTERN``, ``VAR``, ``VAR=VAL``, ``^FILE``).
            rlimit (list): ``--rlimit`` rules (``-name``, ``name``, ``name=VAL``).
            signal (str): ``[SIG][@TIME]``, warn the job before its time limit.
            taskmap (str): a taskmap URI (``block``, ``cyclic:2``, ...).
            dependency (list): dependency URIs (``afterok:JOBID``).
            requires (list): constraint queries, ANDed (``host:n1 ib``).
            shell_options (dict): job shell options.
            time_limit (str, float): a Flux Standard Duration or seconds.
            attributes (dict): attributes by key (``foo`` is ``system.foo``,
                ``.user.x`` is ``attributes.user.x``).
            add_file (list): ``[NAME[:PERMS]=]PATH`` or ``NAME=CONTENT`` files.

        ``args`` may also carry ``setopt`` and ``setattr`` lists of
        ``key[=value]`` strings (the command line's ``-o`` and ``-S``).

        Raises:
            TypeError: a keyword argument that is no option (nor a plugin's).
            ValueError: an option value that does not parse.
        """
        given = {
            "env": env,
            "rlimit": rlimit,
            "signal": signal,
            "taskmap": taskmap,
            "dependency": dependency,
            "requires": requires,
            "shell_options": shell_options,
            "time_limit": time_limit,
            "attributes": attributes,
            "add_file": add_file,
            **kwargs,
        }
        registry = _plugins(prog)
        unknown = set(kwargs) - {opt.dest for opt in (registry.options if registry else ())}
        if unknown:
            raise TypeError(
                "apply_options() got unexpected keyword argument(s): "
                + ", ".join(repr(k) for k in sorted(unknown))
            )
        options = _merged_options(given, args)
        self._apply_merged(
            options,
            env_given=env is not None or args is not None,
            rlimit_given=rlimit is not None or args is not None,
        )
        if registry:
            if _preinit:
                # options the caller left out take their argparse defaults
                for opt in registry.options:
                    if opt.dest not in vars(options):
                        setattr(options, opt.dest, opt.kwargs.get("default"))
                registry.preinit(options)
            registry.modify_jobspec(options, self)
        return self

    def _apply_merged(self, options, env_given, rlimit_given):
        """Apply the merged option values, in flux's order (it is the jobspec's key order)."""
        if env_given:
            self.environment, env_expand = _utils.get_filtered_environment(options.env)
            if env_expand:
                self.setattr_shell_option("env-expand", env_expand)
        if rlimit_given:
            rlimits = _utils.get_filtered_rlimits(options.rlimit)
            if rlimits:
                self.setattr_shell_option("rlimit", rlimits)
        if options.signal:
            self.setattr_shell_option("signal", _utils.parse_signal_option(options.signal))
        if options.taskmap is not None:
            self.setattr_shell_option("taskmap", _utils.URIArg(options.taskmap, "taskmap").entry)
        if options.dependency is not None:
            self.setattr("system.dependencies", _utils.dependency_array_create(options.dependency))
        if options.requires is not None:
            query = " ".join(options.requires)
            try:
                self.setattr("system.constraints", _utils.MiniConstraintParser().parse(query))
            except ConstraintSyntaxError as exc:
                raise ValueError(f"--requires='{query}': {exc}") from None
        for keyval in getattr(options, "setopt", None) or []:
            self.setattr_shell_option(*_utils.parse_jobspec_keyval("--setopt", keyval))
        for key, val in (options.shell_options or {}).items():
            self.setattr_shell_option(key, val)
        if options.time_limit is not None:
            self.duration = _utils.decode_duration(options.time_limit)
        setattrs = getattr(options, "setattr", None) or []
        settings = (_utils.parse_jobspec_keyval("--setattr", kv) for kv in setattrs)
        for key, val in itertools.chain(settings, (options.attributes or {}).items()):
            self.setattr(_option_attribute(key), val)
        for arg in options.add_file or []:
            _utils.jobspec_add_file(self, arg)


# What from_submit, from_alloc and from_batch pass on as they are.
_JOB_OPTIONS = ("name", "queue", "bank", "cwd", "output", "error", "input", "label_io", "unbuffered")


def _job_options(given, **defaults):
    """The :data:`_JOB_OPTIONS` of a builder's ``locals()``, with ``defaults`` applied."""
    return {name: defaults.get(name, given[name]) for name in _JOB_OPTIONS}


def _nest_shape(nslots, cores_per_slot, gpus_per_slot, nodes, broker_opts, exclusive, conf):
    """The allocation arguments of from_nest_command for an instance's builder."""
    return {
        "num_slots": nslots,
        "cores_per_slot": cores_per_slot,
        "gpus_per_slot": gpus_per_slot,
        "num_nodes": nodes,
        "broker_opts": broker_opts,
        "exclusive": exclusive,
        "conf": _utils.normalize_conf(conf),
    }


def _plugins(prog):
    """The CLI plugin registry of command ``prog``, or None without one."""
    if not prog:
        return None
    from fluxsim.command.plugin import CLIPluginRegistry

    return CLIPluginRegistry(prog)


def _merged_options(given, args):
    """One namespace of option values: None, then ``args``' attributes, then given values."""
    options = SimpleNamespace(**dict.fromkeys(given))
    if args is not None:
        vars(options).update(vars(args))
    vars(options).update((k, v) for k, v in given.items() if v is not None)
    # a bare string where the command line gives a list is a one-item list
    for name in ("requires", "dependency", "env", "rlimit"):
        if isinstance(getattr(options, name, None), str):
            setattr(options, name, [getattr(options, name)])
    return options


def _option_attribute(key):
    """The attribute path of a ``--setattr``/``attributes`` key: bare keys are
    ``system.`` ones, a leading ``.`` is ``attributes.``."""
    if not key.startswith((".", "attributes.", "user.", "system.")):
        return "system." + key
    if key.startswith("."):
        return "attributes" + key
    return key


def _per_resource_option(kind, count):
    """The ``per-resource`` shell option for ``per_resource``'s two arguments (None if unused)."""
    if kind is None and count is None:
        return None
    _require(count is not None, "must specify a per_resource_count with per_resource_type")
    _require(kind is not None, "must specify a per_resource_type with per_resource_count")
    _require(isinstance(kind, str), "per_resource_type must be a string")
    _require(kind in ("node", "core"), f"Invalid per_resource_type='{kind}' specified")
    _require(isinstance(count, int), "per_resource_count must be an integer")
    _require(count >= 1, "per_resource_count must be >= 1")
    return {"type": kind, "count": count}
