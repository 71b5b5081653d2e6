# Production image: slim Python, non-root user, static files collected (hashed, compressed) at build.
# The same image runs every role in docker-compose.yml: migrate, web (gunicorn), worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

WORKDIR /app
# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings that import; these build-time values are never used at run time.
RUN DEBUG=False SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app \
    && mkdir -p /app/media \
    && chown -R app:app /app/media

USER app
EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it; default 2 here). Requests are logged by the app as
# JSON with their request id, so gunicorn's own access log stays off.
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "30", "--graceful-timeout", "30"]
