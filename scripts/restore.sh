#!/usr/bin/env bash
# Operator wrapper (seed name): restores a backup to a new file.
#   scripts/restore.sh ID --to PATH [--force]
#   scripts/restore.sh --at 2026-11-24T02:30:00Z --to PATH
# With no arguments it lists the backups to choose from.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -eq 0 ]; then
  node "$here/bin/nexus.js" backup list
  echo >&2
  echo "usage: $0 ID --to PATH [--force] | --at TIME --to PATH" >&2
  exit 2
fi
exec node "$here/bin/nexus.js" backup restore "$@"
