"""Archive news articles and their links into replayable WARC files."""

__version__ = "0.1.0"


def skip_last_collection() -> None:
    """The run is over: keep the objects it made out of Python's last garbage collection.

    At exit the interpreter collects once more, traversing every live object:
    0.4 s after a 2,000-link check, for memory the process gives back anyway.
    Called once every file is closed and every report written.
    """
    import gc

    gc.freeze()
