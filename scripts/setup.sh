#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with the .NET SDK lacks to build and run Grader; with --tests, also what
# the tests need. Idempotent: installs nothing when everything is already there, and says nothing unless it changes
# something.
#   bash scripts/setup.sh            the web app and the runner: bubblewrap, the sandbox student code runs in
#   bash scripts/setup.sh --tests    and chromium (the browser tests), postgresql (the cluster tests, which run
#                                    the web app and two grading workers on one PostgreSQL database), started, and
#                                    the .NET Interactive kernel (the notebook tests' oracle)
set -euo pipefail

for_tests=false
for argument in "$@"; do
  case "$argument" in
    --tests) for_tests=true ;;
    *) echo "setup: unknown option '$argument'; usage: bash scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done

required_packages=(bubblewrap)
if $for_tests; then required_packages+=(chromium postgresql); fi

sudo_prefix=()
if [ "$(id -u)" -ne 0 ]; then sudo_prefix=(sudo); fi

missing=()
for package in "${required_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  # apt downloads as its unprivileged _apt user; on some machines that user cannot resolve names (seen here:
  # "Temporary failure resolving" while root resolves fine). Then it downloads as root instead.
  apt_options=()
  "${sudo_prefix[@]}" apt-get update -qq 2>/dev/null || true
  if ! apt-cache policy "${missing[0]}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt_options=(-o APT::Sandbox::User=root)
    "${sudo_prefix[@]}" apt-get "${apt_options[@]}" update -qq
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get "${apt_options[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! $for_tests; then exit 0; fi

# The .NET Interactive kernel: the notebook tests run notebooks in it, as the oracle of what must compile.
kernel_dir="${XDG_DATA_HOME:-$HOME/.local/share}/grader-tests/dotnet-interactive"
if [ ! -x "$kernel_dir/dotnet-interactive" ]; then
  echo "setup: installing the .NET Interactive kernel into $kernel_dir"
  dotnet tool install --tool-path "$kernel_dir" Microsoft.dotnet-interactive --version 1.0.712001 >/dev/null
fi

# The PostgreSQL server the cluster tests use, and a role that may create databases (each test run makes its own).
# Tests read GRADER_TEST_POSTGRES; its default is exactly this role and password on 127.0.0.1:5432.
postgres_role=grader_test
postgres_password=grader_test
postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

psql_superuser() { PGPASSWORD=$postgres_password psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
if runuser -u postgres -- test -r /etc/passwd 2>/dev/null || { [ "$(id -u)" -ne 0 ] && sudo -u postgres test -r /etc/passwd 2>/dev/null; }; then
  # The usual Debian way: the packaged cluster, started and administered as the postgres account.
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR == 1 { print $1 " " $2 }')
  if [ -z "$cluster" ]; then
    echo "setup: creating a PostgreSQL cluster"
    "${sudo_prefix[@]}" pg_createcluster "$(basename "$(dirname "$postgres_bin")")" main >/dev/null
    cluster="$(basename "$(dirname "$postgres_bin")") main"
  fi
  if ! pg_lsclusters --no-header | awk -v c="$cluster" '$1 " " $2 == c && $4 == "online" { found = 1 } END { exit !found }'; then
    echo "setup: starting PostgreSQL cluster $cluster"
    # shellcheck disable=SC2086 # "version name" is two arguments on purpose.
    "${sudo_prefix[@]}" pg_ctlcluster $cluster start
  fi
  as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
  run_sql() { as_postgres psql -v ON_ERROR_STOP=1 -q "$@"; }
  query_sql() { as_postgres psql -tA "$@"; }
else
  # A machine whose /etc the postgres account cannot read (seen on locked-down build hosts): the server cannot look
  # itself up, so a private server runs in a user namespace that maps its account to the one running this script.
  private_root=/var/lib/grader-test-postgres
  if [ "$(id -u)" -ne 0 ]; then private_root="$HOME/.cache/grader-test-postgres"; fi
  in_namespace() { unshare --user --map-user="$(id -u postgres)" --map-group="$(id -g postgres)" "$@"; }
  if [ ! -f "$private_root/data/PG_VERSION" ]; then
    echo "setup: creating a private PostgreSQL server in $private_root (the postgres account cannot read /etc)"
    mkdir -p "$private_root/data" "$private_root/run"
    chmod 700 "$private_root/data"
    password_file=$(mktemp)
    echo "$postgres_password" >"$password_file"
    in_namespace "$postgres_bin/initdb" -D "$private_root/data" -U postgres --auth=scram-sha-256 --pwfile="$password_file" \
      -E UTF8 --locale=C.UTF-8 >"$private_root/initdb.log" 2>&1 || { cat "$private_root/initdb.log"; rm -f "$password_file"; exit 1; }
    rm -f "$password_file"
  fi
  if ! "$postgres_bin/pg_isready" -q -h 127.0.0.1 -p 5432; then
    echo "setup: starting the private PostgreSQL server"
    in_namespace "$postgres_bin/pg_ctl" -D "$private_root/data" -l "$private_root/server.log" -w \
      -o "-k $private_root/run -p 5432 -c listen_addresses=127.0.0.1" start >/dev/null </dev/null
  fi
  run_sql() { psql_superuser "$@"; }
  query_sql() { PGPASSWORD=$postgres_password psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tA "$@"; }
fi

if [ "$(query_sql -c "SELECT 1 FROM pg_roles WHERE rolname = '$postgres_role'")" != "1" ]; then
  echo "setup: creating PostgreSQL role $postgres_role"
  run_sql -c "CREATE ROLE $postgres_role LOGIN CREATEDB PASSWORD '$postgres_password'"
fi
