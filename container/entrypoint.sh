#!/bin/sh
# Entrypoint of the users API image.
#
#   (no argument) or serve   run gunicorn with /app/gunicorn.conf.py (settings from the environment)
#   migrate [ARGS...]        apply the database migrations and exit (the deployment's migration Job)
#   anything else            run it as a command (for debugging: `... IMAGE python3 -c ...`)
#
# exec replaces this shell, so gunicorn is PID 1 and receives SIGTERM itself.
set -eu
cd /app
command="${1:-serve}"
if [ "$#" -gt 0 ]; then shift; fi
case "$command" in
  serve)
    exec gunicorn --config /app/gunicorn.conf.py "$@" ;;
  migrate)
    exec python3 manage.py migrate --noinput "$@" ;;
  *)
    exec "$command" "$@" ;;
esac
