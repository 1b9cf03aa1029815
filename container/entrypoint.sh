#!/bin/sh
# Entrypoint of the users API image.
#
#   (no argument) or serve   run gunicorn with /app/gunicorn.conf.py (settings from the environment)
#   migrate [ARGS...]        apply the database migrations and exit (the deployment's migration Job)
#   check                    Django's deployment checks, then exit
#   anything else            run it as a command (for debugging: `... IMAGE python3 -c ...`)
#
# exec replaces this shell, so gunicorn is PID 1 and receives SIGTERM itself.
set -eu
cd /app
command="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$command" in
  serve)
    exec gunicorn --config /app/gunicorn.conf.py "$@" ;;
  migrate)
    exec python3 manage.py migrate --noinput "$@" ;;
  check)
    exec python3 manage.py check --deploy --fail-level WARNING "$@" ;;
  *)
    exec "$command" "$@" ;;
esac
