#!/usr/bin/env bash
# Generate a project with the default answers and start it on SQLite, ready to sign in.
#   DEMO_DIR   where the project goes (default: ./demo, git-ignored)
#   DEMO_PORT  the port on 127.0.0.1 (default: 8000)
# Running it again reuses the generated project, its keys and its database.
set -euo pipefail
template=$(cd "$(dirname "$0")/.." && pwd)
demo_dir=${DEMO_DIR:-$template/demo}
port=${DEMO_PORT:-8000}
username=demo
password=demo-password
project=$demo_dir/my_secure_api

mkdir -p "$demo_dir"
if [ ! -d "$project" ]; then
    python3 -m venv "$demo_dir/.cookiecutter"
    "$demo_dir/.cookiecutter/bin/pip" install --quiet --disable-pip-version-check cookiecutter
    "$demo_dir/.cookiecutter/bin/cookiecutter" --no-input "$template" --output-dir "$demo_dir"
fi

cd "$project"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
fi
# Keys first: the system checks that migrate runs refuse to work without them.
.venv/bin/python manage.py make_jwt_key
.venv/bin/python manage.py migrate --verbosity 0
.venv/bin/python manage.py shell -c "
from django.contrib.auth import get_user_model
User = get_user_model()
if not User.objects.filter(username='$username').exists():
    User.objects.create_user(username='$username', password='$password')
"

api=http://127.0.0.1:$port/api
cat <<TXT

================================================================================
 Demo project: $project
 Demo user:    $username / $password   (for this local demo only)

 Demo page:    http://localhost:$port/demo/   (sign in in a browser, web router)
 API docs:     $api/docs
 Sign in:      curl -s $api/auth/mobile/sign-in -H 'Content-Type: application/json' \\
                 -d '{"username": "$username", "password": "$password"}'
 Who am I:     curl -s $api/me -H "Authorization: Bearer <access>"
================================================================================

TXT
exec .venv/bin/python manage.py runserver --noreload "127.0.0.1:$port"
