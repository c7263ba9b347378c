# syntax=docker/dockerfile:1
# Tilskot's production image: gunicorn by default; the same image runs the Celery worker and beat
# (see docker-compose.yml). Build with `docker build -t tilskot .`.

# --- Stage 1: front-end assets (Designsystemet, Inter, htmx) from npm ----------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
# --omit=dev: the devDependencies (the OpenID Connect provider tests run) stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- Stage 2: the application --------------------------------------------------------------------
FROM python:3.11-slim-bookworm

# PYTHONPATH=/app: `pip install .` also puts a copy of the packages into site-packages, but
# settings.BASE_DIR is derived from the module's location, and templates/, static/, locale/ and
# staticfiles/ live only in /app. /app must therefore win on sys.path for every entry point
# (manage.py, gunicorn, celery), not only when the working directory happens to be /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=tilskot.settings \
    MEDIA_ROOT=/data/media

# gunicorn reads WEB_CONCURRENCY as its worker count: (2 × cores) + 1 for a 2-core host.
# Override at run time (-e WEB_CONCURRENCY=...) on a different machine.
ENV WEB_CONCURRENCY=5

# WeasyPrint's native libraries and the fonts the PDFs are set in.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
      libharfbuzz-subset0 \
      fonts-liberation2 \
      fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Unprivileged runtime user. The code stays root-owned (read-only to the app); only the media
# and beat-schedule folders are writable. Named volumes mounted there inherit this ownership.
RUN groupadd --system --gid 1000 tilskot \
 && useradd --system --uid 1000 --gid tilskot --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin tilskot \
 && mkdir -p /data/media /data/beat \
 && chown -R tilskot:tilskot /data

WORKDIR /app

# Dependencies first, read from pyproject.toml alone, so that this layer is rebuilt only when the
# dependency list changes, not on every source edit (runtime dependencies only, no dev extras).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# node_modules at BASE_DIR/node_modules, where settings.STATICFILES_DIRS expects it. It is kept in
# the image (a few MB) so that the staticfiles system check does not warn at runtime.
COPY --from=assets /build/node_modules ./node_modules

# The source (.dockerignore keeps out .venv, node_modules, staticfiles, databases, .git, …),
# then the project itself; its dependencies are already satisfied by the layer above.
COPY . .
RUN pip install . \
 && rm -rf build ./*.egg-info

# Compile translations and collect static files (whitenoise manifest storage needs DEBUG=0).
# The key below is a throwaway that exists only for this RUN line; it is not in the image's ENV.
RUN export DEBUG=0 SECRET_KEY="build-time-only-throwaway-key-not-used-at-runtime" \
 && python manage.py compile_catalogs \
 && python manage.py collectstatic --no-input

USER tilskot
EXPOSE 8000

# No HEALTHCHECK here: the same image runs the worker and beat, which have no HTTP port; each
# service's check is in docker-compose.yml. --worker-tmp-dir /dev/shm keeps gunicorn's heartbeat
# files off the container's overlay filesystem; --timeout 60 leaves room for WeasyPrint PDFs.
CMD ["gunicorn", "tilskot.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
