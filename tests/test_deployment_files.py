"""The deployment files (Dockerfile, docker-compose.yml) say what the README promises.

Plain file checks: no Django settings, no database, no Docker engine. When the
`docker-compose` command is installed, it also validates the compose file.
"""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"

# Variables the compose file interpolates; validation must pass without any of them.
COMPOSE_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS")


def load_compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def command_text(service):
    """Return a service's command as one string, whether written as a string or a list."""
    command = service.get("command", "")
    if isinstance(command, list):
        return shlex.join(str(part) for part in command)
    return str(command)


def dockerfile_instructions():
    """Return the final build stage's instructions as (KEYWORD, arguments) pairs.

    Comments are dropped and backslash-continued lines joined, as Docker reads them.
    """
    instructions = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def exec_form(arguments):
    """Return the argv of a CMD/ENTRYPOINT, in JSON (exec) form or shell form."""
    if arguments.startswith("["):
        return yaml.safe_load(arguments)  # a JSON array is valid YAML
    return shlex.split(arguments)


def test_compose_file_passes_docker_compose_config():
    """docker-compose itself accepts the file, with no variables set in the environment."""
    # Given the docker-compose command and an environment without the file's variables
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.skip("docker-compose is not installed")
    env = {name: value for name, value in os.environ.items() if name not in COMPOSE_VARIABLES}

    # When it validates the file
    result = subprocess.run(
        [docker_compose, "-f", "docker-compose.yml", "config", "-q"],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then it reports no error
    assert result.returncode == 0, result.stderr


def test_compose_file_names_the_five_services():
    """The compose file defines web, worker, beat, postgres and redis."""
    # Given the compose file
    # When it is parsed
    compose = load_compose()

    # Then it holds exactly the portal's services
    assert set(compose["services"]) == {"web", "worker", "beat", "postgres", "redis"}


def test_web_migrates_then_runs_gunicorn():
    """The web service applies migrations, then serves the WSGI app with gunicorn."""
    # Given the web service
    web = load_compose()["services"]["web"]

    # When its command is read
    command = command_text(web)

    # Then it migrates first and then starts gunicorn on the project's WSGI application
    assert "migrate --noinput" in command
    assert "gunicorn longshan.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")


def test_worker_runs_a_celery_worker_for_longshan():
    """The worker service runs `celery -A longshan worker` with two processes."""
    # Given the worker service
    worker = load_compose()["services"]["worker"]

    # When its command is read
    argv = shlex.split(command_text(worker))

    # Then it is a Celery worker of the longshan app
    assert argv[0] == "celery"
    assert re.search(r"(-A|--app)[ =]longshan\b", shlex.join(argv))
    assert "worker" in argv
    assert "--concurrency=2" in argv


def test_beat_runs_celery_beat_for_longshan():
    """The beat service runs `celery -A longshan beat`."""
    # Given the beat service
    beat = load_compose()["services"]["beat"]

    # When its command is read
    argv = shlex.split(command_text(beat))

    # Then it is Celery beat of the longshan app
    assert argv[0] == "celery"
    assert re.search(r"(-A|--app)[ =]longshan\b", shlex.join(argv))
    assert "beat" in argv


def test_redis_keeps_the_celery_queue_on_a_volume():
    """Redis writes its queue to an append-only file on a named volume: a restart of the
    redis container loses no queued task (a payroll PDF asked for, the monthly runs)."""
    # Given the redis service
    compose = load_compose()
    redis = compose["services"]["redis"]

    # When its command and volumes are read
    argv = shlex.split(command_text(redis))
    volumes = {volume.split(":")[1]: volume.split(":")[0] for volume in redis["volumes"]}

    # Then it keeps an append-only file in /data, a named volume of the compose file
    assert argv[0] == "redis-server"
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert volumes["/data"] in compose["volumes"]


def test_dockerfile_installs_cjk_fonts_and_harfbuzz_subset():
    """The image installs a CJK font and the HarfBuzz subsetter that WeasyPrint needs."""
    # Given the final stage's RUN instructions
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]

    # When the apt-get install commands among them are collected
    apt_installs = " ".join(run for run in runs if "apt-get install" in run).split()

    # Then the font and the library are among the packages installed
    assert "fonts-noto-cjk" in apt_installs
    assert "libharfbuzz-subset0" in apt_installs


def test_dockerfile_starts_gunicorn_on_the_wsgi_app():
    """The image's default command is gunicorn serving longshan.wsgi on port 8000."""
    # Given the final stage's instructions
    instructions = dockerfile_instructions()

    # When the last CMD (after any ENTRYPOINT) is read
    entrypoint = [args for keyword, args in instructions if keyword == "ENTRYPOINT"]
    cmd = [args for keyword, args in instructions if keyword == "CMD"]
    argv = (exec_form(entrypoint[-1]) if entrypoint else []) + (exec_form(cmd[-1]) if cmd else [])

    # Then it runs gunicorn on the project's WSGI application, reachable from outside
    assert "gunicorn" in argv
    assert "longshan.wsgi:application" in argv
    assert "0.0.0.0:8000" in " ".join(argv)
