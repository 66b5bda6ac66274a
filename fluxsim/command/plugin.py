"""CLI plugins for job submission, as flux-core 0.88's ``flux.cli.plugin``.

A site or user extends ``flux run/submit/batch/alloc`` (and
``JobspecV1.apply_options(prog=...)``) with plugin classes in ``*.py``
files found on ``FLUX_CLI_PLUGINPATH``: a ``CLIPlugin`` subclass adds
options (prefixed, ``--ex-name`` by default) and hooks that see the parsed
options and change the jobspec::

    from flux.cli.plugin import CLIPlugin

    class Site(CLIPlugin):
        def __init__(self, prog, prefix="site"):
            super().__init__(prog, prefix=prefix)
            self.add_option("--gpumode", default="SPX")   # --site-gpumode

        def modify_jobspec(self, args, jobspec):
            jobspec.setattr_shell_option("gpumode", args.gpumode)

Hooks may read and write an option by its unprefixed name (``args.gpumode``)
as well as by its dest (``args.site_gpumode``).  fluxsim has no plugins of
its own: flux's packaged ``shape`` plugin (RFC 46 ``--resources-shape``)
is not provided, and there are no system plugin directories.
"""

import glob
import importlib.util
import inspect
import os
import sys
from abc import ABC

__all__ = ["CLIPlugin", "CLIPluginOption", "CLIPluginRegistry", "PluginArgsProxy"]


class PluginArgsProxy:
    """The options namespace as one plugin sees it: its unprefixed names alias its dests."""

    __slots__ = ("_ns", "_alias")

    def __init__(self, args, alias):
        object.__setattr__(self, "_ns", args)
        object.__setattr__(self, "_alias", alias)

    def __getattr__(self, name):
        return getattr(self._ns, self._alias.get(name, name))

    def __setattr__(self, name, value):
        setattr(self._ns, self._alias.get(name, name), value)


class CLIPluginOption:
    """One option of a plugin: its prefixed ``--name`` and its argparse keyword arguments."""

    def __init__(self, name, prefix, **kwargs):
        if not name.startswith("--"):
            raise ValueError("Plugins must register only long options.")
        self.name = name.replace("--", f"--{prefix}-", 1) if prefix else name
        if "dest" in kwargs:
            # an explicit dest is the plugin's choice: no alias
            self._unprefixed_dest = None
        else:
            self._unprefixed_dest = name[2:].replace("-", "_")
            kwargs["dest"] = self.name[2:].replace("-", "_")
        self.kwargs = kwargs

    @property
    def dest(self):
        """The attribute name of the option's value (and apply_options' keyword)."""
        return self.kwargs["dest"]


class CLIPlugin(ABC):
    """Base class of a submission CLI plugin.

    Attributes:
        prog (str): the command it is loaded for ("submit", "run", ...).
        prefix (str): prefix of its options (``--PREFIX-name``; default "ex").
        options (list): its :class:`CLIPluginOption` objects.
    """

    def __init__(self, prog, prefix="ex", version=None):
        self.prog = prog[len("flux ") :] if prog.startswith("flux ") else prog
        self.path = None
        self.prefix = prefix
        self.version = version
        self.options = []

    def help(self, option):
        """Print the plugin's documentation for ``option`` (its docstring)."""
        docstring = inspect.getdoc(self)
        if docstring is None or docstring == inspect.getdoc(CLIPlugin):
            print(f"No extra documentation for option `{option.name}` found.", file=sys.stderr)
            return
        print(f"\nDocumentation for plugin providing option `{option.name}`:\n")
        sys.stdout.write(docstring + "\n")

    def add_option(self, name, **kwargs):
        """Register long option ``name``; keyword arguments are ``add_argument``'s."""
        self.options.append(CLIPluginOption(name, prefix=self.prefix, **kwargs))

    def preinit(self, args):
        """Called after options are parsed, before the jobspec is built."""

    def modify_jobspec(self, args, jobspec):
        """Called to change the jobspec, after the options are applied."""

    def validate(self, jobspec):
        """Called to check the final jobspec; raise ValueError to refuse it."""


def _import_path(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CLIPluginRegistry:
    """The plugins found for command ``prog``, and their options.

    Plugins come from every ``*.py`` in the directories of
    ``FLUX_CLI_PLUGINPATH`` (colon-separated), or only those of
    ``FLUX_CLI_PLUGINPATH_OVERRIDE`` when it is set.  A plugin with an
    option whose dest an earlier plugin already has is dropped.
    """

    default_plugins = []
    plugin_namespace = "flux.cli.plugins"

    def __init__(self, prog):
        self.prog = prog
        self.plugins = []
        self.plugindirs = self._get_searchpath()
        self._load_plugins(prog)

    @staticmethod
    def _get_searchpath():
        def split(value):
            return [path for path in value.split(":") if path and not path.isspace()]

        if "FLUX_CLI_PLUGINPATH_OVERRIDE" in os.environ:
            return split(os.environ["FLUX_CLI_PLUGINPATH_OVERRIDE"])
        return split(os.environ.get("FLUX_CLI_PLUGINPATH", ""))

    def _add_plugins_from_module(self, module, program):
        for attr in dir(module):
            entry = getattr(module, attr)
            if attr.startswith("_") or not isinstance(entry, type):
                continue
            if issubclass(entry, CLIPlugin) and entry is not CLIPlugin:
                plugin = entry(program)
                plugin.path = module.__file__
                self.plugins.append(plugin)

    def _load_plugins(self, program):
        for plugindir in self.plugindirs:
            for path in glob.glob(f"{plugindir}/*.py"):
                self._add_plugins_from_module(_import_path(path), program)
        dests = {}
        for plugin in list(self.plugins):
            if any(opt.dest in dests for opt in plugin.options):
                self.plugins.remove(plugin)
            else:
                dests.update((opt.dest, opt) for opt in plugin.options)
        self.options = list(dests.values())
        return self

    def print_help(self, name):
        """Print the documentation of the plugin with option ``name`` and exit."""
        for plugin in self.plugins:
            for option in plugin.options:
                if name in (option.name, option.name.lstrip("-")):
                    plugin.help(option)
                    sys.exit(0)
        raise ValueError(f"--help: no such option {name}")

    def print_plugins(self):
        """Print the loaded plugins and their options."""
        print("Options provided by plugins:")
        if self.plugindirs:
            print(f"  Search path: {':'.join(self.plugindirs)}")
            print(f"  (plus {self.plugin_namespace} namespace)\n")
        else:
            print(f"  Searched only {self.plugin_namespace} namespace\n")
        for plugin in self.plugins:
            print(f"{type(plugin).__name__} loaded from {plugin.path}")
            for option in plugin.options:
                print(f"  {option.name:<20}  {option.kwargs.get('help')}")
            print()

    @staticmethod
    def _make_alias(plugin):
        return {
            opt._unprefixed_dest: opt.dest
            for opt in plugin.options
            if opt._unprefixed_dest is not None and opt._unprefixed_dest != opt.dest
        }

    def preinit(self, args):
        """Call every plugin's ``preinit``."""
        for plugin in self.plugins:
            plugin.preinit(PluginArgsProxy(args, self._make_alias(plugin)))

    def modify_jobspec(self, args, jobspec):
        """Call every plugin's ``modify_jobspec``."""
        for plugin in self.plugins:
            plugin.modify_jobspec(PluginArgsProxy(args, self._make_alias(plugin)), jobspec)

    def validate(self, jobspec):
        """Call every plugin's ``validate``."""
        for plugin in self.plugins:
            plugin.validate(jobspec)
