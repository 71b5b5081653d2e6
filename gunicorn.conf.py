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
