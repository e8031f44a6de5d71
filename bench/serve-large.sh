# Sourced by bench/profile.sh and bench/forecast.sh: serves the large demo
# fleet from SQLite with the release binary, seeded once into $db and reused,
# on $port; sets $bin, $token (an API token of $user) and $server (the pid,
# stopped on exit). Needs $root, $db, $port and $user.
bin=$root/target/release/headroom
[ -x "$bin" ] || { echo "error: build first (scripts/run.sh or bench/run.sh): $bin is missing" >&2; exit 1; }
export DATABASE_URL="sqlite://$db" LEPTOS_SITE_ROOT=$root/target/site \
  LEPTOS_SITE_ADDR=127.0.0.1:$port RUST_LOG=warn
if [ ! -f "$db" ]; then
  echo "==> seeding the large fleet into $db (about a minute)" >&2
  "$bin" seed --demo --scale large --deployments 500 >/dev/null
fi
token=$("$bin" token create --user "$user" --name "bench-$$")
"$bin" serve >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
