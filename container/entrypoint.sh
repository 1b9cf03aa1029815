#!/bin/sh
# Entrypoint of the users API image.
#
#   (no argument) or serve   run the server (granian, python3 -m webapp.server; settings from the environment)
#   migrate [ARGS...]        apply the database migrations and exit (the deployment's migration Job)
#   anything else            run it as a command (for debugging: `... IMAGE python3 -c ...`)
#
# exec replaces this shell (and webapp.server replaces itself with granian), so the server is
# PID 1 and receives SIGTERM itself.
set -eu
cd /app
command="${1:-serve}"
if [ "$#" -gt 0 ]; then shift; fi
case "$command" in
  serve)
    exec python3 -m webapp.server "$@" ;;
  migrate)
    exec python3 manage.py migrate --noinput "$@" ;;
  *)
    exec "$command" "$@" ;;
esac
