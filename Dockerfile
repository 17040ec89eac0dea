# The mock as a service container. Docker and Podman both read this file.
#
#   docker build -t sequences-mock .
#   docker run --rm -p 8080:8080 sequences-mock
#
# BASE: any image with Python 3.11 or newer, `python3 -m venv` and `useradd`. The conventional
# one is the default; CI builds on a local Debian base instead (no registry is reachable there).
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Only what the wheel is built from (the package links to the contract and the default world
# at the top of the repository); tests, bench and docs stay out.
COPY pyproject.toml README.md openapi.yaml /tmp/sequences-mock/
COPY fixtures/default.yaml /tmp/sequences-mock/fixtures/
COPY src /tmp/sequences-mock/src
RUN python3 -m venv /opt/sequences-mock \
    && /opt/sequences-mock/bin/pip install /tmp/sequences-mock \
    && /opt/sequences-mock/bin/pip uninstall --yes pip setuptools \
    && rm -rf /tmp/sequences-mock \
    && mkdir /fixtures \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin sequences-mock

# Every serve option has a SEQUENCES_MOCK_* variable: mount fixture files on /fixtures and set
# SEQUENCES_MOCK_FIXTURES to serve your own world. Inside a container the mock listens on all of
# the container's addresses; who reaches it is decided by the port you publish. Publish it
# beyond your machine only with SEQUENCES_MOCK_CONTROL_TOKEN set.
ENV PATH=/opt/sequences-mock/bin:$PATH \
    SEQUENCES_MOCK_HOST=0.0.0.0 \
    SEQUENCES_MOCK_PORT=8080 \
    SEQUENCES_MOCK_EXPOSURE_ACKNOWLEDGED=1

USER 10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python3 -c 'import os, sys, urllib.request; port = os.environ.get("SEQUENCES_MOCK_PORT", "8080"); sys.exit(urllib.request.urlopen(f"http://127.0.0.1:{port}/__mock/health", timeout=2).status != 200)'
# Exec form: the mock is PID 1, so `docker stop` (SIGTERM) reaches it and it stops gracefully.
ENTRYPOINT ["sequences-mock"]
CMD ["serve"]
