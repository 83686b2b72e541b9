#!/bin/sh
# The container's entrypoint: reads secrets from mounted files, sets the database up when
# asked, then runs the command in its place (gunicorn unless another is given).
#
#   IMAGE                               the command (the image's CMD: gunicorn)
#   IMAGE migrate                       migrate and createcachetable, then exit: a release step
#   IMAGE migrate COMMAND...            the same, then COMMAND
#   DJANGO_MIGRATE=true IMAGE           the same before the command (one instance, or local use:
#                                       two instances migrating at once would race)
#
# Mounted secrets: when NAME is unset and NAME_FILE names a readable file (a Docker or
# Kubernetes secret, say), NAME is set to the file's content, for the variables listed below.
set -eu

for name in DJANGO_SECRET_KEY DATABASE_URL REDIS_URL{% if cookiecutter.key_storage == "env" %} JWT_PRIVATE_KEY JWT_PUBLIC_KEY JWT_PREVIOUS_PUBLIC_KEYS{% elif cookiecutter.key_storage == "s3" %} AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY{% endif %}; do
    eval "file=\${${name}_FILE:-}"
    [ -n "$file" ] || continue
    eval "value=\${${name}:-}"
    if [ -n "$value" ]; then
        echo "docker-entrypoint: both $name and ${name}_FILE are set; set only one" >&2
        exit 1
    fi
    if [ ! -r "$file" ]; then
        echo "docker-entrypoint: ${name}_FILE names $file, which cannot be read" >&2
        exit 1
    fi
    value=$(cat -- "$file")
    export "$name=$value"
    unset "${name}_FILE"
done
unset file value

set_up_database() {
    python manage.py migrate --noinput
    # The cache table, used when REDIS_URL is not set; does nothing when it exists.
    python manage.py createcachetable
}

if [ "${1:-}" = "migrate" ]; then
    shift
    set_up_database
    if [ "$#" -eq 0 ]; then
        exit 0
    fi
else
    case "${DJANGO_MIGRATE:-false}" in
        1 | true | True | TRUE | yes | on) set_up_database ;;
        0 | false | False | FALSE | no | off | "") ;;
        *)
            echo "docker-entrypoint: DJANGO_MIGRATE must be true or false, not $DJANGO_MIGRATE" >&2
            exit 1
            ;;
    esac
fi

if [ "$#" -eq 0 ]; then
    echo "docker-entrypoint: no command to run" >&2
    exit 1
fi
exec "$@"
