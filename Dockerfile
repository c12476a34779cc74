# Production image for the Longshan village-cadre portal.
#
#   docker build -t longshan .
#   docker run -e SECRET_KEY=... -e DATABASE_URL=postgres://... -p 8000:8000 longshan
#
# The same image runs the web app (default CMD), the Celery worker and Celery beat;
# docker-compose.yml only swaps the command.

# ---------------------------------------------------------------- stage 1: front-end assets
# Node is only needed to fetch bootstrap and htmx from npm, so it lives in its own stage
# and none of it (nor node_modules) ends up in the image that runs in production.
FROM node:20-bookworm-slim AS assets

WORKDIR /build
# The manifest and lock file alone, so this layer is rebuilt only when dependencies change;
# `npm ci` installs exactly what the lock file pins.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Same layout as `make assets` produces in a checkout; keep the two in step.
RUN mkdir -p vendor/bootstrap vendor/htmx \
    && cp -R node_modules/bootstrap/dist/. vendor/bootstrap/ \
    && cp -R node_modules/htmx.org/dist/. vendor/htmx/


# ---------------------------------------------------------------- stage 2: the application
FROM python:3.11-slim-bookworm

# Logs reach `docker logs` at once; no .pyc files in a read-only code tree;
# var/ (media, generated files) sits in one directory that a volume can mount.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LONGSHAN_VAR_DIR=/app/var

# System libraries:
# - fonts-noto-cjk: PDFs and pages are in Chinese; without a CJK font they render as boxes.
# - libharfbuzz-subset0: WeasyPrint subsets embedded fonts with it; without it every PDF
#   embeds whole CJK fonts and is written about 40x slower.
# - libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint's text layout.
# - gettext: msgfmt, for `compilemessages` below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Requirements before the source, so a code change does not reinstall every package.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /build/vendor/ static/vendor/

# Settings want a SECRET_KEY; without one they would write a key file into the image.
# This throwaway key is used only by these two build commands, never at run time.
# `mkdir -p locale` because compilemessages refuses to run when no locale directory exists
# (git does not keep an empty one).
RUN mkdir -p locale \
    && SECRET_KEY=build-only-not-secret python manage.py compilemessages \
    && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

# Run as an unprivileged user. The code stays owned by root, so the app cannot rewrite it;
# only var/ (uploads, Celery beat's schedule, the fallback secret key) is writable.
RUN groupadd --system --gid 10001 longshan \
    && useradd --system --uid 10001 --gid longshan --home-dir /app --no-create-home longshan \
    && mkdir -p /app/var/media \
    && chown -R longshan:longshan /app/var
USER longshan

EXPOSE 8000

# Bind to all interfaces so the port can be published from the container. gunicorn takes
# its worker count from WEB_CONCURRENCY, so it can be tuned per host without a new image.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "longshan.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
