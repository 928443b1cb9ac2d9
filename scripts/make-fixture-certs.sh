#!/usr/bin/env bash
# Generate the TEST-ONLY TLS material in fixtures/tls/ (see fixtures/tls/README.md).
# Nothing here is a secret: the keys are committed and must never protect anything real.
#
# Usage: scripts/make-fixture-certs.sh [OUTDIR]   (default: fixtures/tls next to this script)
# Needs: bash, openssl 1.1.1 or 3.x. Every run makes new keys: commit all files together.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-"$script_dir/../fixtures/tls"}"

command -v openssl >/dev/null || { echo "make-fixture-certs: openssl not found" >&2; exit 1; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Run a command quietly; show its output only if it fails.
run() {
  if ! "$@" >"$work/log" 2>&1; then
    echo "make-fixture-certs: failed: $*" >&2
    cat "$work/log" >&2
    exit 1
  fi
}

# Validity: from one day ago (tolerates a clock running behind) for 20 years.
now=$(date -u +%s)
yesterday=$((now - 86400))
start=$(date -u -d "@$yesterday" +%Y%m%d%H%M%SZ 2>/dev/null || date -u -r "$yesterday" +%Y%m%d%H%M%SZ)
end="$((${start:0:4} + 20))${start:4}"

touch "$work/index.txt"
cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = fixtures

[fixtures]
database = $work/index.txt
new_certs_dir = $work
rand_serial = yes
default_md = sha256
policy = any_subject
unique_subject = no
copy_extensions = none
email_in_dn = no

[any_subject]
organizationName = optional
commonName = supplied
EOF

# An unencrypted PKCS#8 RSA 2048 key.
new_key() {
  run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"
}

# sign NAME CN EXTFILE OUT [CA-CERT CA-KEY]: certificate for $out/NAME-key.pem
# (self-signed when no CA is given).
sign() {
  local name=$1 cn=$2 ext=$3 cert=$4
  run openssl req -new -key "$out/$name-key.pem" -subj "/O=galera-probe tests/CN=$cn" -out "$work/$name.csr"
  local issuer=(-selfsign -keyfile "$out/$name-key.pem")
  if [[ $# -ge 6 ]]; then issuer=(-cert "$5" -keyfile "$6"); fi
  run openssl ca -batch -notext -config "$work/ca.cnf" "${issuer[@]}" \
    -startdate "$start" -enddate "$end" -extfile "$ext" -in "$work/$name.csr" -out "$cert"
}

# new_ca NAME CN: self-signed CA certificate NAME.pem with key NAME-key.pem.
new_ca() {
  local name=$1 cn=$2
  new_key "$out/$name-key.pem"
  cat >"$work/$name.ext" <<EOF
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  sign "$name" "$cn" "$work/$name.ext" "$out/$name.pem"
}

# new_leaf NAME CN EKU [SAN]: NAME-cert.pem and NAME-key.pem, signed by ca.pem.
new_leaf() {
  local name=$1 cn=$2 eku=$3 san=${4:-}
  new_key "$out/$name-key.pem"
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature, keyEncipherment"
    echo "extendedKeyUsage = $eku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid, issuer"
    if [[ -n $san ]]; then echo "subjectAltName = $san"; fi
  } >"$work/$name.ext"
  sign "$name" "$cn" "$work/$name.ext" "$out/$name-cert.pem" "$out/ca.pem" "$out/ca-key.pem"
}

new_ca ca "galera-probe test CA"
new_ca other-ca "galera-probe unrelated test CA"
new_leaf server localhost serverAuth "DNS:localhost, IP:127.0.0.1, IP:::1"
new_leaf client galera-probe-client clientAuth
new_leaf wronghost db.invalid serverAuth "DNS:db.invalid"

# RSA key pair for the caching_sha2_password / sha256_password fake server.
new_key "$out/rsa-private.pem"
run openssl pkey -in "$out/rsa-private.pem" -pubout -out "$out/rsa-public.pem"

chmod 644 "$out"/*.pem

# Check the result, so a broken openssl fails here rather than in a test.
for leaf in server client wronghost; do
  run openssl verify -CAfile "$out/ca.pem" "$out/$leaf-cert.pem"
done
if openssl verify -CAfile "$out/other-ca.pem" "$out/server-cert.pem" >/dev/null 2>&1; then
  echo "make-fixture-certs: server-cert.pem unexpectedly verifies against other-ca.pem" >&2
  exit 1
fi

echo "Wrote test-only TLS fixtures to $out"
echo "valid from $(openssl x509 -in "$out/ca.pem" -noout -startdate | cut -d= -f2)" \
  "until $(openssl x509 -in "$out/ca.pem" -noout -enddate | cut -d= -f2)"
