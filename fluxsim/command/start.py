"""``flux start``: a nested simulated instance (see :mod:`fluxsim.broker`)."""

__all__ = ["main"]


def main(prog, argv):
    """``flux start [OPTIONS] [COMMAND...]``"""
    from fluxsim import broker

    return broker.main(argv)
