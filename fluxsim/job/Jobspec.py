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

This mirrors ``flux.job.Jobspec`` from flux-core 0.88 in behaviour, return
values and exception types and messages, so code written against
``flux.job`` runs unchanged.  Differences: the hostlists in a constraint
are type-checked but not decoded (flux also checks them against the
enclosing instance, which fluxsim validation runs outside of), and the
``from_submit``/``from_alloc``/``from_batch``/``apply_options`` family
(the ``flux submit`` command-line option layer) is not provided.

``jobspec1_check`` is an addition: the stricter structural rules of
flux-core's C library (``flux_jobspec1_check``), which reject some jobspecs
the Python ``JobspecV1`` accepts, e.g. unknown resource types.
"""

import collections
import collections.abc as abc
import datetime
import errno
import json
import math
import numbers
import os

import yaml

from fluxsim.resource import idset
from fluxsim.util import Fileref, del_treedict, parse_fsd, set_treedict

__all__ = [
    "Jobspec",
    "JobspecV1",
    "validate_jobspec",
    "validate_counts",
    "jobspec1_check",
]


# -- validation helpers -----------------------------------------------------------


def _convert_jobspec_arg_to_string(jobspec):
    """Return ``jobspec`` (a Jobspec or JSON str/bytes) as JSON bytes."""
    if isinstance(jobspec, Jobspec):
        return jobspec.dumps()
    if isinstance(jobspec, str):
        return jobspec.encode("utf-8", errors="surrogateescape")
    if jobspec is None:
        # caught here, as flux does, for a clearer message than JSON's
        raise EnvironmentError(errno.EINVAL, "jobspec must not be None/NULL")
    if not isinstance(jobspec, bytes):
        raise TypeError("jobspec must be a Jobspec or string (either binary or unicode)")
    return jobspec


def _validate_keys(expected, given, keys_optional=False, allow_additional=False):
    """Raise ValueError for a missing or an unexpected key.

    Set differences are used as in flux, so when several keys are wrong the
    one reported follows set iteration order, exactly as there.
    """
    expected, given = set(expected), set(given)
    if not keys_optional:
        for key in expected - given:
            raise ValueError(f"Missing key ({key})")
    if not allow_additional:
        for key in given - expected:
            raise ValueError(f"Extraneous key ({key})")


def _validate_dependency(dep):
    """Check one RFC 26 dependency entry."""
    _validate_keys(["scheme", "value"], dep.keys(), allow_additional=True)
    if not isinstance(dep["scheme"], str):
        raise TypeError("dependency scheme must be a string")
    if not isinstance(dep["value"], str):
        raise TypeError("dependency value must be a string")


def _validate_property_query(name):
    if any(char in "&'\"`|()" for char in name):
        raise TypeError(f"invalid character in property '{name}'")


def _validate_hosts(hosts):
    """Check a constraint hostlist argument as far as fluxsim can.

    flux decodes it (RFC 29), then checks the hosts against the enclosing
    instance, skipping that when there is none.  fluxsim validates outside
    any instance and has no hostlist decoder, so only the argument types
    are checked, with flux's messages.
    """
    if isinstance(hosts, str):
        return
    if not isinstance(hosts, abc.Iterable):
        raise TypeError(f"Hostlist(): expected string or Iterable, got {type(hosts)}")
    for host in hosts:
        if not isinstance(host, str):
            raise TypeError(f"Hostlist(): expected string or Iterable, got {type(host)}")


def _validate_constraint_op(operator, args):
    if not isinstance(operator, str):
        raise TypeError(f"constraint operation {operator} is not a string")
    if not isinstance(args, abc.Sequence):
        raise TypeError(f"argument to constraint {operator} must be a sequence")
    if operator in ("and", "or", "not"):
        for constraint in args:
            _validate_constraint(constraint)
    elif operator == "properties":
        for name in args:
            _validate_property_query(name)
    elif operator == "hostlist":
        for hosts in args:
            _validate_hosts(hosts)
    elif operator == "ranks":
        for ranks in args:
            _decode_idset(ranks)
    else:
        raise TypeError(f"unknown constraint operator '{operator}'")


def _validate_constraint(constraints):
    """Check an RFC 31 constraint object."""
    if not isinstance(constraints, abc.Mapping):
        raise TypeError("constraints must be a mapping")
    for operator, args in constraints.items():
        _validate_constraint_op(operator, args)


def _decode_idset(arg):
    """Decode an RFC 22 idset as ``flux.idset.decode`` does.

    Like flux, an int or an iterable of ints is taken as the set it names.
    """
    if isinstance(arg, abc.Iterable) and not isinstance(arg, str):
        arg = ",".join(str(i) for i in sorted(arg))
    elif isinstance(arg, int):
        arg = str(arg)
    if not isinstance(arg, str):
        # flux's own error path fails building its message; this is the
        # TypeError that actually reaches callers
        raise TypeError('can only concatenate str (not "type") to str')
    try:
        return idset.decode(arg)
    except ValueError:
        raise ValueError(f"IDset(): Invalid argument: {arg}") from None


def validate_jobspec(jobspec, require_version=None):
    """Validate a jobspec by constructing a Jobspec object from it.

    The class is JobspecV1 if ``require_version`` is 1 or the jobspec's
    ``version`` is 1, else Jobspec.  This is what Flux's job-ingest
    validator runs (with ``require_version=1``) on every submission.

    Args:
        jobspec: a Jobspec, or the jobspec as a JSON str or bytes.
        require_version: force V1 validation when 1.

    Returns:
        ``(True, jobspec_object)`` if valid; ``(1, "Unable to parse JSON")``
        if the JSON is ``null``.

    Raises:
        ValueError, TypeError: the jobspec is invalid.
        EnvironmentError: ``jobspec`` is None.
    """
    jobspec_obj = json.loads(_convert_jobspec_arg_to_string(jobspec))
    if jobspec_obj is None:
        return (1, "Unable to parse JSON")
    _validate_keys(Jobspec.top_level_keys, jobspec_obj.keys())
    if require_version == 1 or jobspec_obj.get("version", 0) == 1:
        return True, JobspecV1(**jobspec_obj)
    return True, Jobspec(**jobspec_obj)


def validate_counts(resources):
    """Check that every resource count in the tree is an int (V1 rule).

    Raises:
        ValueError: a count is a range (mapping) or string.
    """
    for resource in resources:
        count = resource["count"]
        res_type = resource["type"]
        if not isinstance(count, int):
            raise ValueError(
                f"resource count must be an integer for type '{res_type}' "
                f"(got '{type(count).__name__}')"
            )
        validate_counts(resource.get("with", []))


def _attr_key_prepend(key):
    """Qualify an attribute key: ``duration`` -> ``attributes.system.duration``.

    Keys already starting with ``attributes.`` are kept, ``user.`` and
    ``system.`` keys gain ``attributes.``, anything else is a system key.
    """
    if key.startswith("attributes."):
        return key
    if not key.startswith(("user.", "system.")):
        key = "system." + key
    return "attributes." + key


# -- Jobspec ----------------------------------------------------------------------


class Jobspec(object):
    """A canonical (RFC 14) jobspec, validated on construction.

    Args:
        resources (Sequence): the resource vertex tree.
        tasks (Sequence): the task list.
        attributes (Mapping): ``system`` and/or ``user`` attributes.
        version (int): jobspec version, >= 1.

    Raises:
        TypeError, ValueError: the jobspec is invalid (messages as flux's).

    The dict itself is the ``jobspec`` attribute; the helpers below read and
    change it in place.
    """

    top_level_keys = set(["resources", "tasks", "version", "attributes"])

    def __init__(self, resources, tasks, attributes, version):
        if not isinstance(resources, abc.Sequence):
            raise TypeError("resources must be a sequence")
        if not isinstance(tasks, abc.Sequence):
            raise TypeError("tasks must be a sequence")
        if not isinstance(attributes, abc.Mapping):
            raise TypeError("attributes must be a mapping")
        if not isinstance(version, int):
            raise TypeError("version must be an integer")
        if version < 1:
            raise ValueError("version must be >= 1")

        self.jobspec = {
            "resources": resources,
            "tasks": tasks,
            "attributes": attributes,
            "version": version,
        }

        # Validation interleaves with the pre-order walk, as in flux, so a
        # vertex is checked before its "with" list is even iterated; that
        # decides which error a doubly-broken jobspec reports.
        for resource in self:
            self._validate_resource(resource)
        for task in tasks:
            self._validate_task(task)
        self._validate_attributes(attributes)
        if "system" in attributes:
            self._validate_system_attributes(attributes["system"])

    @classmethod
    def from_yaml_stream(cls, yaml_stream):
        """Create a jobspec from a YAML string or file-like object."""
        jobspec = yaml.safe_load(yaml_stream)
        _validate_keys(cls.top_level_keys, jobspec.keys())
        return cls(**jobspec)

    @classmethod
    def from_yaml_file(cls, filename):
        """Create a jobspec from the path of a YAML file."""
        with open(filename, "rb") as infile:
            return cls.from_yaml_stream(infile)

    # -- validation ---------------------------------------------------------------

    @staticmethod
    def _validate_complex_range(range_dict):
        """Check an RFC 14 count range ``{min, max, operand, operator}``."""
        if "min" not in range_dict:
            raise ValueError("min must be in range")
        _validate_keys(
            ["min", "max", "operand", "operator"], range_dict.keys(), keys_optional=True
        )
        for key in ("min", "max", "operand"):
            if key in range_dict:
                if not isinstance(range_dict[key], int):
                    raise TypeError(f"{key} must be an int")
                if range_dict[key] < 1:
                    raise ValueError(f"{key} must be > 0")
        if "max" in range_dict and range_dict["max"] < range_dict["min"]:
            raise ValueError("max must be >= min")
        if ("operand" in range_dict) != ("operator" in range_dict):
            raise ValueError("operand and operator must both be in range if either is")
        if "operator" in range_dict:
            operator = range_dict["operator"]
            if not isinstance(operator, str) or len(operator) != 1:
                raise TypeError("operator must be a single character str")
            operators = ["+", "*", "^"]
            if operator not in operators:
                raise ValueError(f"operator must be one of {operators}")
            if operator in ("*", "^") and range_dict["operand"] < 2:
                raise ValueError("operand must be > 1 for '*' or '^' operator")
            if operator == "^" and range_dict["min"] < 2:
                raise ValueError("min must be > 1 for '^' operator")

    @classmethod
    def _validate_count_string(cls, count):
        """Check a string count: an idset, or ``MIN+`` / ``MIN-MAX[:OPERAND[:OP]]``."""
        try:
            idset.decode(count)
            return
        except ValueError:
            pass
        fields = count.split(":")
        bounds = fields[0]
        if len(fields) > 3 or ("-" not in bounds and "+" not in bounds):
            raise ValueError("count string must be a valid idset or range")
        range_dict = {}
        if "-" in bounds:
            low, _, high = bounds.partition("-")
            range_dict["max"] = int(high)
        else:
            low = bounds.rstrip("+")
        range_dict["min"] = int(low)
        if len(fields) > 1:
            range_dict["operand"] = int(fields[1])
            range_dict["operator"] = "+"
        if len(fields) > 2:
            range_dict["operator"] = fields[2]
        cls._validate_complex_range(range_dict)

    @classmethod
    def _validate_resource(cls, res):
        """Check one resource vertex (not its children)."""
        if not isinstance(res, abc.Mapping):
            raise TypeError("resource must be a mapping")

        if "type" not in res:
            raise ValueError("type is a required key for resources")
        if not isinstance(res["type"], str):
            raise TypeError("type must be a string")

        if "count" not in res:
            raise ValueError("count is a required key for resources")
        count = res["count"]
        if isinstance(count, abc.Mapping):
            cls._validate_complex_range(count)
        elif isinstance(count, str):
            cls._validate_count_string(count)
        elif not isinstance(count, int):
            raise TypeError("count must be an int or mapping")
        else:
            # only node, slot and core need one or more; a zero count of
            # anything else (e.g. gpu) is a valid "none"
            if res["type"] in ("node", "slot", "core") and count < 1:
                raise ValueError("node, slot, or core count must be > 0")
            if count < 0:
                raise ValueError("count must be >= 0")

        for key in ("id", "unit", "label"):
            if key in res and not isinstance(res[key], str):
                raise TypeError(f"{key} must be a string")

        # "in" compares by equality, so flux also takes 0 and 1 here
        if "exclusive" in res and res["exclusive"] not in [True, False]:
            raise TypeError("exclusive must be a boolean")

        if res["type"] == "slot" and "label" not in res:
            raise ValueError("slots must have labels")

    @staticmethod
    def _validate_task(task):
        """Check one entry of the tasks list."""
        if not isinstance(task, abc.Mapping):
            raise TypeError("task must be a mapping")

        _validate_keys(["command", "slot", "count"], task.keys(), allow_additional=True)

        count = task["count"]
        if not isinstance(count, abc.Mapping):
            raise TypeError("count must be a mapping")
        if len(count) != 1:
            raise ValueError("count must have exactly one key set")
        if count.keys().isdisjoint({"per_slot", "per_resource", "total"}):
            raise ValueError("count per_slot, per_resource, or total must be set")
        for key in ("total", "per_slot"):
            if key in count:
                if not isinstance(count[key], int):
                    raise TypeError(f"count {key} must be an int")
                if count[key] <= 0:
                    raise ValueError(f"count {key} must be > 0")

        if not isinstance(task["slot"], str):
            raise TypeError("slot must be a string")

        if "attributes" in task and not isinstance(task["attributes"], abc.Mapping):
            raise TypeError("attributes must be a mapping")

        command = task["command"]
        if len(command) == 0:
            raise TypeError("command array cannot have length of zero")
        # a plain string is a Sequence of strings too, hence the extra test
        is_string_list = isinstance(command, abc.Sequence) and all(
            isinstance(arg, str) for arg in command
        )
        if not is_string_list or isinstance(command, str):
            raise TypeError("command must be a list of strings")

    @staticmethod
    def _validate_attributes(attributes):
        _validate_keys(["system", "user"], attributes.keys(), keys_optional=True)

    @staticmethod
    def _validate_system_attributes(system):
        if "dependencies" in system:
            if not isinstance(system["dependencies"], abc.Sequence):
                raise TypeError("attributes.system.dependencies must be a list")
            for dependency in system["dependencies"]:
                _validate_dependency(dependency)
        if "constraints" in system:
            _validate_constraint(system["constraints"])

    # -- building -------------------------------------------------------------------

    @staticmethod
    def _create_resource(res_type, count, with_child=None, exclusive=False):
        """Return a resource vertex dict, with ``with`` only if non-empty."""
        if with_child is not None and not isinstance(with_child, abc.Sequence):
            raise TypeError("child resource must None or a sequence")
        if with_child is not None and isinstance(with_child, str):
            raise TypeError("child resource must not be a string")
        if not count > 0:
            raise ValueError("resource count must be > 0")

        res = {"type": res_type, "count": count}
        if exclusive:
            res["exclusive"] = True
        if with_child:
            res["with"] = with_child
        return res

    @classmethod
    def _create_slot(cls, label, count, with_child):
        slot = cls._create_resource("slot", count, with_child)
        slot["label"] = label
        return slot

    # -- attributes -------------------------------------------------------------------

    @property
    def duration(self):
        """The job's time limit in seconds (``attributes.system.duration``).

        Set it from a number of seconds, a Flux Standard Duration string
        (``"30m"``) or a ``datetime.timedelta``; it is stored as a float.
        Zero means unlimited.  None if unset.
        """
        try:
            return self.jobspec["attributes"]["system"]["duration"]
        except KeyError:
            return None

    @duration.setter
    def duration(self, duration):
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
        self.setattr("system.duration", seconds)

    @property
    def queue(self):
        """The queue the job is submitted to, or None."""
        try:
            return self.jobspec["attributes"]["system"]["queue"]
        except KeyError:
            return None

    @queue.setter
    def queue(self, queue):
        if not isinstance(queue, str):
            raise TypeError("queue must be a string")
        self.setattr("system.queue", queue)

    @property
    def cwd(self):
        """The job's working directory (a str or os.PathLike when set), or None."""
        try:
            return self.jobspec["attributes"]["system"]["cwd"]
        except KeyError:
            return None

    @cwd.setter
    def cwd(self, cwd):
        if isinstance(cwd, os.PathLike):
            cwd = os.fspath(cwd)
        if not isinstance(cwd, str):
            raise ValueError("cwd must be a string")
        self.setattr("system.cwd", cwd)

    @property
    def environment(self):
        """The job's environment mapping, or None.

        Setting it stores the mapping itself, not a copy, so later changes
        to that mapping show in the jobspec.
        """
        try:
            return self.jobspec["attributes"]["system"]["environment"]
        except KeyError:
            return None

    @environment.setter
    def environment(self, environ):
        if not isinstance(environ, abc.Mapping):
            raise ValueError("environment must be a mapping")
        self.setattr("system.environment", environ)

    def _get_io_path(self, iotype, stream_name):
        """Return the file path a stdio stream is redirected to, or None."""
        try:
            options = self.jobspec["attributes"]["system"]["shell"]["options"]
            return options[iotype][stream_name]["path"]
        except KeyError:
            return None

    def _set_io_path(self, iotype, stream_name, path):
        """Redirect a stdio stream to a file (shell options ``input``/``output``)."""
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str):
            raise TypeError(
                f"The path must be a string or pathlib object, got {type(path).__name__}"
            )
        self.setattr_shell_option(f"{iotype}.{stream_name}.type", "file")
        self.setattr_shell_option(f"{iotype}.{stream_name}.path", path)

    @property
    def input(self):
        """File the tasks' stdin is read from (shell option ``input.stdin``)."""
        return self._get_io_path("input", "stdin")

    @input.setter
    def input(self, path):
        self._set_io_path("input", "stdin", path)

    @property
    def output(self):
        """File the tasks' stdout goes to (shell option ``output.stdout``).

        stderr follows it unless ``error`` is set.
        """
        return self._get_io_path("output", "stdout")

    @output.setter
    def output(self, path):
        self._set_io_path("output", "stdout", path)

    @property
    def error(self):
        """File the tasks' stderr goes to (shell option ``output.stderr``)."""
        return self._get_io_path("output", "stderr")

    @error.setter
    def error(self, path):
        self._set_io_path("output", "stderr", path)

    # flux's aliases, same properties under the stdio names
    stdin = input
    stdout = output
    stderr = error

    @property
    def unbuffered(self):
        """True if stdout and stderr are unbuffered.

        Setting True sets both buffer types to ``none``, the output
        ``batch-timeout`` to 0.05s and the input one to 0; setting False
        removes the buffer settings and any batch-timeout still at those
        values.  Only ``True``/``False`` are accepted (else TypeError).
        """
        try:
            return (
                self.getattr("shell.options.output.stdout.buffer.type") == "none"
                and self.getattr("shell.options.output.stderr.buffer.type") == "none"
            )
        except KeyError:
            return False

    @unbuffered.setter
    def unbuffered(self, value):
        if not isinstance(value, bool):
            raise TypeError("unbuffered must be True or False")
        if value:
            self.setattr_shell_option("output.stdout.buffer.type", "none")
            self.setattr_shell_option("output.stderr.buffer.type", "none")
            self.setattr_shell_option("output.batch-timeout", 0.05)
            self.setattr_shell_option("input.batch-timeout", 0.0)
            return
        prefix = "system.shell.options."
        try:
            del_treedict(self.attributes, prefix + "output.stdout.buffer", remove_empty=True)
            del_treedict(self.attributes, prefix + "output.stderr.buffer", remove_empty=True)
            if self.getattr("shell.options.output.batch-timeout") == 0.05:
                del_treedict(
                    self.attributes, prefix + "output.batch-timeout", remove_empty=True
                )
            if self.getattr("shell.options.input.batch-timeout") == 0.0:
                del_treedict(
                    self.attributes, prefix + "input.batch-timeout", remove_empty=True
                )
        except KeyError:
            # flux stops at the first missing key and leaves the rest
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
        if not isinstance(data, (abc.Mapping, str)):
            raise TypeError("data must be a Mapping or string")
        if perms is None:
            perms = 0o600
        files = self.jobspec["attributes"]["system"].get("files", {})
        if encoding is None and "\n" in data:
            encoding = "utf-8"
        files[path] = Fileref(data, perms=perms, encoding=encoding)
        self.jobspec["attributes"]["system"]["files"] = files

    def getattr(self, key):
        """Return an attribute by dotted key, e.g. ``system.duration``.

        ``attributes.`` may be included; a key not starting with ``user.``
        or ``system.`` is taken as a system attribute.

        Raises:
            KeyError: a component of ``key`` is missing (or is None).
        """
        value = self.jobspec
        for component in _attr_key_prepend(key).split("."):
            value = value.get(component)
            if value is None:
                raise KeyError
        return value

    def setattr(self, key, val):
        """Set an attribute by dotted key (see :meth:`getattr`), creating levels."""
        key = _attr_key_prepend(key)
        try:
            set_treedict(self.jobspec, key, val)
        except TypeError as exc:
            raise TypeError(f"failed to set {key} to {val}: {exc}")

    def setattr_shell_option(self, key, val):
        """Set job shell option ``key`` (``attributes.system.shell.options.<key>``)."""
        self.setattr("system.shell.options." + key, val)

    def dumps(self, **kwargs):
        """Return the jobspec as JSON (non-ASCII kept); kwargs go to json.dumps."""
        return json.dumps(self.jobspec, ensure_ascii=False, **kwargs)

    @property
    def resources(self):
        """The ``resources`` section."""
        return self.jobspec.get("resources", None)

    @property
    def tasks(self):
        """The ``tasks`` section."""
        return self.jobspec.get("tasks", None)

    @property
    def attributes(self):
        """The ``attributes`` section."""
        return self.jobspec.get("attributes", None)

    @property
    def version(self):
        """The jobspec ``version``."""
        return self.jobspec.get("version", None)

    def __iter__(self):
        """Iterate over all resource vertices, depth-first, parents first."""

        def walk(vertices):
            for vertex in vertices:
                yield vertex
                yield from walk(vertex.get("with", []))

        return walk(self.resources)

    def resource_walk(self):
        """Iterate ``(parent, resource, count)`` over the resource tree.

        Depth-first, parents first; ``parent`` is None at the top level and
        ``count`` is the total number of that vertex, multiplied through its
        ancestors' counts (2 slots each with 4 cores yield 8 for the cores).
        """

        def walk(vertices, parent, multiplier):
            for vertex in vertices:
                count = multiplier * vertex["count"]
                yield (parent, vertex, count)
                yield from walk(vertex.get("with", []), vertex, count)

        return walk(self.resources, None, 1)

    def resource_counts(self):
        """Return the total count of each resource type, as a defaultdict(int).

        Totals come from :meth:`resource_walk`, so nested counts multiply;
        units (e.g. of memory) are not taken into account.
        """
        counts = collections.defaultdict(lambda: 0)
        for _, resource, count in self.resource_walk():
            counts[resource["type"]] += count
        return counts

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.resources}, {self.tasks}, "
            f"attributes={self.attributes}, version={self.version})"
        )

    def __str__(self):
        return str(self.jobspec)


class JobspecV1(Jobspec):
    """A version 1 jobspec (RFC 25), the form Flux schedulers accept.

    Adds to the RFC 14 checks: version must be 1,
    ``attributes.system.duration`` must exist and be a number, task counts
    must be ``per_slot`` or ``total``, and every resource count an integer.

    Args:
        resources, tasks, attributes: as for :class:`Jobspec`.
        version (int): must be 1.
    """

    def __init__(self, resources, tasks, attributes, version=1):
        if version != 1:
            raise ValueError("version must be 1")
        super().__init__(resources, tasks, attributes, version)
        self._v1_validate(resources, tasks, attributes, version)

    @staticmethod
    def _v1_validate(resources, tasks, attributes, version):
        if "system" not in attributes:
            raise ValueError("attributes.system is a required key")
        system = attributes["system"]
        if not isinstance(system, abc.Mapping):
            raise ValueError("attributes.system must be a mapping")
        if "duration" not in system:
            raise ValueError("attributes.system.duration is a required key")
        if not isinstance(system["duration"], numbers.Number):
            raise ValueError("attributes.system.duration must be a number")

        for task in tasks:
            if task["count"].keys().isdisjoint({"per_slot", "total"}):
                raise ValueError("count per_slot or total must be set")

        validate_counts(resources)

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
        """Apply the optional arguments shared by the factories; return self."""
        if duration is not None:
            self.duration = duration
        # no environment given means the submitter's whole environment
        self.environment = dict(os.environ) if environment is None else environment
        if env_expand is not None:
            if not isinstance(env_expand, abc.Mapping):
                raise ValueError("env_expand must be a mapping")
            self.setattr_shell_option("env-expand", env_expand)
        if cwd is not None:
            self.cwd = cwd
        if rlimits is not None:
            if not isinstance(rlimits, abc.Mapping):
                raise ValueError("rlimits must be a mapping")
            self.setattr_shell_option("rlimit", rlimits)
        if name is not None:
            self.setattr("job.name", name)
        if input is not None:
            self.input = input
        # "none" and "kvs" name the default (output to the KVS), not files
        if output is not None and output not in ("none", "kvs"):
            self.output = output
            if label_io:
                self.setattr_shell_option("output.stdout.label", True)
        if error is not None and error not in ("none", "kvs"):
            self.error = error
            if label_io:
                self.setattr_shell_option("output.stderr.label", True)
        if unbuffered:
            self.unbuffered = True
        if queue is not None:
            self.setattr("queue", queue)
        if bank is not None:
            self.setattr("bank", bank)
        return self

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
        per_resource = None
        if per_resource_type is not None and per_resource_count is not None:
            if not isinstance(per_resource_type, str):
                raise ValueError("per_resource_type must be a string")
            if per_resource_type not in ("node", "core"):
                raise ValueError(f"Invalid per_resource_type='{per_resource_type}' specified")
            if not isinstance(per_resource_count, int):
                raise ValueError("per_resource_count must be an integer")
            if per_resource_count < 1:
                raise ValueError("per_resource_count must be >= 1")
            per_resource = {"type": per_resource_type, "count": per_resource_count}
        elif per_resource_type is not None:
            raise ValueError("must specify a per_resource_count with per_resource_type")
        elif per_resource_count is not None:
            raise ValueError("must specify a per_resource_type with per_resource_count")

        if ncores is not None and (not isinstance(ncores, int) or ncores < 1):
            raise ValueError("ncores must be an integer >= 1")
        if gpus_per_node is not None:
            if not isinstance(gpus_per_node, int) or gpus_per_node < 0:
                raise ValueError("gpus_per_node must be an integer >= 0")
            if not nnodes:
                raise ValueError("gpus_per_node must be specified with nnodes")
        if nnodes is not None:
            if not isinstance(nnodes, int) or nnodes < 1:
                raise ValueError("nnodes must be an integer >= 1")
        elif exclusive:
            raise ValueError("exclusive can only be set with a node count")

        # With nodes, the slot is per node (one slot of all its cores);
        # without, each core is its own slot.
        if nnodes and ncores:
            if ncores < nnodes:
                raise ValueError("number of cores cannot be less than nnodes")
            if ncores % nnodes != 0:
                raise ValueError("number of cores must be evenly divisible by node count")
            nslots, slot_size = 1, int(ncores / nnodes)
        elif ncores:
            nslots, slot_size = ncores, 1
        elif nnodes:
            if not exclusive:
                raise ValueError("Specifying nnodes also requires ncores or exclusive")
            nslots, slot_size = 1, 1
        else:
            raise ValueError("must specify node or core count with per_resource")

        children = [cls._create_resource("core", slot_size)]
        if gpus_per_node:
            children.append(cls._create_resource("gpu", gpus_per_node))
        slot = cls._create_slot("task", nslots, children)
        if nnodes:
            top = cls._create_resource("node", nnodes, [slot], exclusive)
        else:
            top = slot

        tasks = [{"command": command, "slot": "task", "count": {"per_slot": 1}}]
        attributes = {"system": {"duration": 0}}
        if per_resource:
            set_treedict(attributes, "system.shell.options.per-resource", per_resource)
        return cls([top], tasks, attributes=attributes)._set_extra_options(**kwargs)

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
        if not isinstance(num_tasks, int) or num_tasks < 1:
            raise ValueError("task count must be a integer >= 1")
        if not isinstance(cores_per_task, int) or cores_per_task < 1:
            raise ValueError("cores per task must be an integer >= 1")
        if gpus_per_task is not None:
            if not isinstance(gpus_per_task, int) or gpus_per_task < 0:
                raise ValueError("gpus per task must be an integer >= 0")
        if num_nodes is not None:
            if not isinstance(num_nodes, int) or num_nodes < 1:
                raise ValueError("node count must be an integer >= 1 (if set)")
            if num_nodes > num_tasks:
                raise ValueError("node count must not be greater than task count")
        elif exclusive:
            raise ValueError("exclusive can only be set with a node count")

        children = [cls._create_resource("core", cores_per_task)]
        if gpus_per_task not in (None, 0):
            children.append(cls._create_resource("gpu", gpus_per_task))
        task_count = {"per_slot": 1}
        if num_nodes is not None:
            slots_per_node = int(math.ceil(num_tasks / float(num_nodes)))
            if num_tasks % num_nodes != 0:
                task_count = {"total": num_tasks}
            slot = cls._create_slot("task", slots_per_node, children)
            top = cls._create_resource("node", num_nodes, [slot], exclusive)
        else:
            top = cls._create_slot("task", num_tasks, children)

        tasks = [{"command": command, "slot": "task", "count": task_count}]
        attributes = {"system": {"duration": 0}}
        return cls([top], tasks, attributes=attributes)._set_extra_options(
            duration=duration,
            environment=environment,
            env_expand=env_expand,
            cwd=cwd,
            rlimits=rlimits,
            name=name,
            input=input,
            output=output,
            error=error,
            label_io=label_io,
            unbuffered=unbuffered,
            queue=queue,
            bank=bank,
        )

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
        args = () if args is None else args
        jobspec = cls.from_nest_command(
            command=["{{tmpdir}}/script", *args],
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
        broker_opts = list(broker_opts) if broker_opts is not None else []
        if conf is not None:
            broker_opts.append("-c{{tmpdir}}/conf.json")
        jobspec = cls.from_command(
            command=["flux", "broker", *broker_opts, *command],
            num_tasks=num_slots,
            cores_per_task=cores_per_slot,
            gpus_per_task=gpus_per_slot,
            num_nodes=num_nodes,
            exclusive=exclusive,
            **kwargs,
        )
        jobspec.setattr_shell_option("per-resource.type", "node")
        jobspec.setattr_shell_option("mpi", "none")
        jobspec.setattr_shell_option("exit-timeout", "none")
        if conf is not None:
            jobspec.add_file("conf.json", conf)
        return jobspec


# -- libjob's V1 structure check ----------------------------------------------------


class _Unpack:
    """Just enough of jansson's json_unpack() to word errors as libjob does.

    flux_jobspec1_check() describes problems found by json_unpack_ex() with
    jansson's own texts ("Object item not found: count"), so these helpers
    produce the same texts for the formats it uses.
    """

    @staticmethod
    def type_name(value):
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "real"
        if isinstance(value, str):
            return "string"
        if isinstance(value, abc.Mapping):
            return "object"
        return "array"

    @classmethod
    def check(cls, value, kind):
        """Check a value against format character ``kind`` (s, i, b, o)."""
        expected = {
            "s": ("string", ("string",)),
            "i": ("integer", ("integer",)),
            "b": ("true or false", ("true", "false")),
        }
        if kind not in expected:
            return value
        label, accepted = expected[kind]
        actual = cls.type_name(value)
        if actual not in accepted:
            raise ValueError(f"Expected {label}, got {actual}")
        if kind == "i":
            # 'i' stores into a C int, wrapping anything wider
            value = (value + 2**31) % 2**32 - 2**31
        return value

    @classmethod
    def object(cls, obj, fields, strict):
        """Unpack ``{s:k ...[!]}``: fields are (key, kind, optional) triples."""
        if cls.type_name(obj) != "object":
            raise ValueError(f"Expected object, got {cls.type_name(obj)}")
        values = {}
        for key, kind, optional in fields:
            if key not in obj:
                if optional:
                    continue
                raise ValueError(f"Object item not found: {key}")
            values[key] = cls.check(obj[key], kind)
        if strict:
            known = {key for key, _, _ in fields}
            extra = [key for key in obj if key not in known]
            if extra:
                raise ValueError(
                    f"{len(extra)} object item(s) left unpacked: {', '.join(extra)}"
                )
        return values

    @classmethod
    def first(cls, array):
        """Unpack ``[o]`` (not strict: items after the first are ignored)."""
        if cls.type_name(array) != "array":
            raise ValueError(f"Expected array, got {cls.type_name(array)}")
        if len(array) == 0:
            raise ValueError("Array index 0 out of range")
        return array[0]


def _prefixed(prefix, func, *args):
    """Call func, prefixing any ValueError message with ``prefix: ``."""
    try:
        return func(*args)
    except ValueError as exc:
        raise ValueError(f"{prefix}: {exc}") from None


def _jobspec1_tasks_check(tasks):
    task = _prefixed("tasks section", _Unpack.first, tasks)
    fields = (("command", "o", False), ("slot", "s", False), ("count", "o", False))
    task = _prefixed("tasks section", _Unpack.object, task, fields, True)
    command = task["command"]
    if _Unpack.type_name(command) != "array":
        raise ValueError("tasks command must be an array")
    if len(command) < 1:
        raise ValueError("tasks command array length must be >= 1")
    if not all(isinstance(arg, str) for arg in command):
        raise ValueError("tasks command array entry must be a string")
    count = task["count"]
    if not isinstance(count, abc.Mapping) or len(count) != 1:
        raise ValueError("tasks count must have exactly one key set")
    for key in ("per_slot", "total"):
        if key in count and _Unpack.type_name(count[key]) == "integer":
            if _Unpack.check(count[key], "i") < 1:
                raise ValueError(f"tasks {key} count must be >= 1")
            return
    raise ValueError("tasks count object is malformed")


def _jobspec1_slot_check(slot):
    fields = (
        ("type", "s", False),
        ("count", "i", False),
        ("with", "o", False),
        ("label", "s", False),
        ("exclusive", "b", True),
    )
    slot = _prefixed("slot vertex", _Unpack.object, slot, fields, True)
    if slot["count"] < 1:
        raise ValueError("slot count must be >= 1")
    children = slot["with"]
    if _Unpack.type_name(children) != "array":
        raise ValueError("slot with must be an array")
    if len(children) not in (1, 2):
        raise ValueError("slot with array must have 1-2 elements")
    for child in children:
        fields = (("type", "s", False), ("count", "i", False))
        child = _prefixed("slot with", _Unpack.object, child, fields, True)
        if child["type"] not in ("core", "gpu"):
            raise ValueError("slot with type must be core or gpu")
        min_count = 1 if child["type"] == "core" else 0
        if child["count"] < min_count:
            raise ValueError(f"slot {child['type']} count must be >= {min_count}")


def _jobspec1_node_check(node):
    fields = (
        ("type", "s", False),
        ("count", "i", False),
        ("with", "o", False),
        ("unit", "s", True),
    )
    node = _prefixed("node vertex", _Unpack.object, node, fields, True)
    if node["count"] < 1:
        raise ValueError("node count must be >= 1")
    children = node["with"]
    if _Unpack.type_name(children) != "array":
        raise ValueError("node with must be an array")
    if len(children) != 1:
        raise ValueError("node with array must have 1 elements")
    _jobspec1_slot_check(children[0])


def _jobspec1_resources_check(resources):
    vertex = _prefixed("resources section", _Unpack.first, resources)
    fields = (("type", "s", False),)
    vertex_type = _prefixed("resource vertex", _Unpack.object, vertex, fields, False)["type"]
    if vertex_type == "node":
        _jobspec1_node_check(vertex)
    elif vertex_type == "slot":
        _jobspec1_slot_check(vertex)
    else:
        raise ValueError("unknown resource vertex type")


def _jobspec1_system_check(system):
    has_duration = False
    for key, value in system.items():
        kind = _Unpack.type_name(value)
        if key == "duration":
            if kind not in ("integer", "real"):
                raise ValueError("attributes.system.duration must be a number")
            has_duration = True
        elif key == "environment" and kind != "object":
            raise ValueError("attributes.system.environment must be a dictionary")
        elif key == "constraints" and kind != "object":
            raise ValueError("attributes.system.constraints must be a dictionary")
        elif key == "dependencies":
            if kind != "array":
                raise ValueError("attributes.system.dependencies must be an array")
            for entry in value:
                if _Unpack.type_name(entry) != "object":
                    raise ValueError(
                        "attributes.system.dependencies elements must be an object"
                    )
                if not all(isinstance(entry.get(k), str) for k in ("scheme", "value")):
                    raise ValueError(
                        "attributes.system.dependencies elements"
                        " must contain scheme and value strings"
                    )
        elif key == "shell" and kind == "object" and "options" in value:
            if _Unpack.type_name(value["options"]) != "object":
                raise ValueError("attributes.shell.options must be a dictionary")
    if not has_duration:
        raise ValueError("attributes.system.duration is required")


def _jobspec1_attributes_check(attributes):
    if _Unpack.type_name(attributes) != "object":
        raise ValueError("attributes must be an object")
    has_system = False
    for key, value in attributes.items():
        # a non-object has no members, so it fails the "values" test
        empty = not isinstance(value, abc.Mapping) or len(value) == 0
        if key == "user":
            if empty:
                raise ValueError("if present, attributes.user must contain values")
        elif key == "system":
            if empty:
                raise ValueError("if present, attributes.system must contain values")
            _jobspec1_system_check(value)
            has_system = True
        else:
            raise ValueError(f"unknown attributes section {key}")
    if not has_system:
        raise ValueError("attributes.system is required")


def jobspec1_check(jobspec):
    """Check a jobspec against libjob's V1 structure rules (flux_jobspec1_check).

    Stricter than :class:`JobspecV1` about shape: the first resource must
    be a ``node`` holding exactly one ``slot``, or a ``slot``; a slot holds
    one ``core`` vertex and optionally one ``gpu``, with integer counts and
    no unknown keys; only the first task is examined.  This is the check
    flux-core's ``t/t0023-jobspec1-validate.t`` applies to the ``valid_v1``,
    ``invalid`` and ``invalid_v1`` test jobspecs.

    Args:
        jobspec: a Jobspec, a dict, or JSON str/bytes.

    Raises:
        ValueError: with libjob's error text, if the check fails (or the
            JSON does not parse).
    """
    if isinstance(jobspec, Jobspec):
        jobspec = jobspec.jobspec
    if isinstance(jobspec, (str, bytes)):
        obj = json.loads(jobspec)
    else:
        # C sees JSON, so judge what JSON would carry (tuples become arrays)
        obj = json.loads(json.dumps(jobspec))
    fields = (
        ("resources", "o", False),
        ("tasks", "o", False),
        ("attributes", "o", False),
        ("version", "i", False),
    )
    top = _prefixed("jobspec object", _Unpack.object, obj, fields, True)
    if top["version"] != 1:
        raise ValueError("only version 1 jobspec is supported")
    _jobspec1_resources_check(top["resources"])
    _jobspec1_tasks_check(top["tasks"])
    _jobspec1_attributes_check(top["attributes"])
