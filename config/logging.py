"""Logging as one JSON object per line on stdout, each record carrying the id of the request that
caused it (see config.middleware.RequestIdMiddleware)."""

import contextvars
import datetime
import json
import logging

# The id of the request being handled in this thread or task; "-" outside any request.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# LogRecord attributes that every record has; anything else was passed through `extra=` and is kept.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "request_id"}
)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record that passes through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One line of JSON per record: time, level, logger, message, request_id, the `extra` fields and,
    for errors, the traceback as a single string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        entry.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        )
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # default=str: a record's extra may hold a request, a user or a datetime; never fail to log it.
        return json.dumps(entry, default=str, ensure_ascii=False)
