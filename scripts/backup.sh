#!/usr/bin/env bash
# Operator wrapper (seed name): takes a backup now.
#   scripts/backup.sh [--tag T] [--json]
# Honours NEXUS_DB and NEXUS_BACKUP_DIR; run from the installation directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec node "$here/bin/nexus.js" backup create "$@"
