"""gunicorn's settings read from this directory (gunicorn loads ./gunicorn.conf.py by default);
the command line's flags (README, bench/) come on top."""


def post_worker_init(worker):
    """Once the worker has loaded the site, everything loaded so far (modules, URL patterns,
    compiled settings) is moved out of the garbage collector's view: a full collection then
    walks only what requests create. Measured in bench/RESULTS.md ("Leaner uncached credit
    file"): the collector's time per uncached file fell by half."""
    import gc

    gc.freeze()
