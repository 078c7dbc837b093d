# The directory's image: its command line and web app, run by compose.yaml as the app (`directory
# serve`), the harvest worker (`directory worker`) and the one-off migration (`directory db upgrade`).
# No demo data: the server profile starts with an empty directory.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DIRECTORY_HOST=0.0.0.0 \
    DIRECTORY_DATA_DIR=/data \
    DIRECTORY_SOURCES_DIR=/sources

WORKDIR /app
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY directory ./directory
# Versions pinned by requirements.lock; compiled here, since the user below cannot write /app.
RUN pip install -c requirements.lock -e . \
    && python -m compileall -q directory \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin directory \
    && mkdir -p /data /sources \
    && chown directory /data

USER directory
EXPOSE 8000
CMD ["directory", "serve"]
