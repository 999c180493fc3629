#!/usr/bin/env bash
# Runs the embedded demo. (Filled in by the demo issue; fails loudly until then.)
echo "demo: not built yet (see issue 5)" >&2
exit 1
