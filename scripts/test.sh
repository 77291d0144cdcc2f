#!/usr/bin/env bash
# Install everything the tests need into .venv (Debian's chromium for the browser tests, Java 17
# for the Spark parity tests), then run lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  # the JRE's post-install step fails on slim images that ship without this folder
  $SUDO mkdir -p /usr/share/man/man1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -r requirements-dev.txt -r requirements-spark.txt

ruff check .
ruff format --check .
mypy --strict lib
mypy ui.py app.py pages
python -m pytest "$@"
