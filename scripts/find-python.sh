#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain in one sentence how to get one.
# Order: $PYTHON, python3.10 on PATH, pyenv's newest 3.10.x, python3 if it is 3.10.
set -u
is310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  if is310 "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a Python 3.10 interpreter; Rasa 3.6 needs Python 3.10 (3.8-3.10)." >&2; exit 1
fi
if is310 python3.10; then command -v python3.10; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    p="$(pyenv root)/versions/$v/bin/python3.10"
    if is310 "$p"; then echo "$p"; exit 0; fi
  done
fi
for p in "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if is310 "$p"; then echo "$p"; exit 0; fi
done
if is310 python3; then command -v python3; exit 0; fi
echo "No Python 3.10 found: Rasa 3.6 needs Python 3.10 — install it (e.g. 'pyenv install 3.10.13' or 'apt install python3.10 python3.10-venv') or run 'make PYTHON=/path/to/python3.10'." >&2
exit 1
