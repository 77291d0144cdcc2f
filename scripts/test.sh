#!/usr/bin/env bash
# Install everything the tests need into .venv (and Debian's chromium for the browser test),
# then run lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -r requirements-dev.txt

ruff check .
ruff format --check .
mypy --strict lib
mypy ui.py app.py pages
python -m pytest "$@"
