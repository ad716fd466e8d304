# PalmCity (掌上城市) API and worker image. docs/operations.md explains how to run it (compose.yaml).
#
# Three stages: Python dependencies from uv.lock, the H5 front end from miniprogram/, and a slim
# runtime that copies the results of both and runs as a non-root user. The same image serves the
# API (default CMD), the worker (`python -m server.worker`) and migrations (`python -m server.cli migrate`).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- 1. Python dependencies ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS python-deps
# The uv version pinned in uv.lock (dev group); bump both together.
ARG UV_VERSION=0.13.9
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock ./
# --frozen: install exactly the lockfile, fail if pyproject.toml and uv.lock disagree.
RUN uv sync --frozen --no-dev --no-install-project

# --- 2. H5 front end -----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS h5
WORKDIR /src/miniprogram
COPY miniprogram/package.json miniprogram/package-lock.json ./
# Install scripts stay off, as package.json's allowScripts says: the build needs none of them
# (the native pieces arrive as platform packages).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY miniprogram/ ./
# An empty API_BASE: the H5 app calls the API on its own origin, where the API serves it (/h5/).
RUN API_BASE= npm run build:h5

# --- 3. Runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PALMCITY_H5_DIST=/app/miniprogram/dist/h5
RUN groupadd --system --gid 10001 palmcity \
    && useradd --system --uid 10001 --gid palmcity --home-dir /app --no-create-home --shell /usr/sbin/nologin palmcity
WORKDIR /app
COPY --from=python-deps /app/.venv /app/.venv
# Only what runs. A new top-level folder the app reads at run time must be added here.
COPY pyproject.toml ./
COPY server ./server
COPY api ./api
COPY domain ./domain
COPY adapters ./adapters
COPY locales ./locales
COPY migrations ./migrations
COPY --from=h5 /src/miniprogram/dist/h5 ./miniprogram/dist/h5
# The code stays root-owned and read-only to the app; the app writes nothing to disk in production.
USER palmcity:palmcity
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status == 200 else 1)"]
CMD ["sanic", "server.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
