#!/bin/sh
# The secrets docker/compose.yaml gives both gateway nodes, made once into docker/secrets/
# (git-ignored): the session secret, the bootstrap admin's password and the SAML SP signing key
# with its certificate. Both nodes must share them: a session signed by one is read by the other,
# and campus IdPs know one SP certificate. Existing files are kept.
set -eu
dir="$(dirname "$0")/secrets"
mkdir -p "$dir"
chmod 700 "$dir" # the files inside are readable by the container user (uid 1000), the folder only by you
umask 022
[ -s "$dir/session-secret" ] || openssl rand -hex 32 > "$dir/session-secret"
[ -s "$dir/admin-password" ] || openssl rand -base64 18 | tr -d '\n' > "$dir/admin-password"
if [ ! -s "$dir/sp-key.pem" ] || [ ! -s "$dir/sp-cert.pem" ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj "/CN=Passway SAML SP" \
    -keyout "$dir/sp-key.pem" -out "$dir/sp-cert.pem" 2>/dev/null
fi
chmod 644 "$dir"/*
echo "secrets in $dir: session-secret, admin-password (the /admin/login password of user admin), sp-key.pem, sp-cert.pem"
