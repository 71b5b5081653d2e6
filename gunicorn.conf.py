"""gunicorn's own settings, read from the working directory wherever the site is served (the Docker
image, docker-compose.yml, bench/http.py): gunicorn's lines (start-up, worker exits, errors) go to
stdout as one JSON object per line, like the application's. Requests are logged by the application
(config.middleware), with their request id, so gunicorn's access log stays off.
"""

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}


def post_worker_init(worker):
    """Once the worker has loaded the site, move everything it holds (modules, settings, URL patterns,
    compiled templates) out of the garbage collector's sight: its full collections then scan what
    requests create, not the whole application. In-process, a progress update spent 42 µs of its
    1.6 ms in the collector without this, 17 µs with it."""
    import gc

    gc.freeze()
