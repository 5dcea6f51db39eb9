# The course's grading image: what a learner's kernel runs in under `--sandbox container`.
# Build it with `grader image build` (or `docker build -t mlflow-lab-grader .`).
# BASE: a Debian or Ubuntu image; Python 3.11+ and Java 17 are installed from its packages
# unless it has them already (a base made offline, e.g. with debootstrap, should).
# WHEELS: a folder of this context holding the project's wheel and its dependencies', to
# install with no network (`grader image build --wheels DIR`); unset: from the package index.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ARG WHEELS=
ARG UID=64055
# bubblewrap: to run the grader itself in this image (macOS, Windows: see the README).
RUN (command -v java && command -v bwrap && python3 -c "import venv, ensurepip") >/dev/null 2>&1 \
 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv openjdk-17-jre-headless bubblewrap && rm -rf /var/lib/apt/lists/*)
COPY . /src
RUN python3 -m venv /opt/grader \
 && if [ -n "$WHEELS" ]; then \
        /opt/grader/bin/pip install --no-index --find-links "/src/$WHEELS" mlflow-lab-grader; \
    else \
        /opt/grader/bin/pip install /src; \
    fi \
 && rm -rf /src /root/.cache \
 && (getent passwd "$UID" || useradd --uid "$UID" --user-group --no-create-home learner)
ENV PATH=/opt/grader/bin:$PATH
USER ${UID}
