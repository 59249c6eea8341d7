#!/usr/bin/env bash
# Makes the throw-away certificates the TLS tests use, with openssl, into DIR
# (created; nothing here is committed but this script). Valid for 2 days.
#
#   make-test-pki.sh DIR
#
#   ca.pem, ca.key            the test CA
#   server.pem, server.key    RSA 2048, issued by the CA for localhost and
#                             127.0.0.1 (PKCS#8 key)
#   server-ec.pem, .key       the same with an EC P-256 key
#   server.p12                server.key + server.pem + ca.pem, PKCS#12,
#                             password in keystore-password (one line)
#   elsewhere.pem, .key       issued by the CA for elsewhere.example only
#   other-ca.pem              another CA, which issued nothing here
#   other.key                 an RSA key that belongs to no certificate
set -euo pipefail

dir=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

cat >ca.cnf <<'CNF'
[req]
distinguished_name = dn
x509_extensions = ca
prompt = no
[dn]
CN = torchfeed test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

# ca NAME: a self-signed CA, NAME.pem and NAME.key
ca() {
  openssl req -x509 -config ca.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout "$1.key" -out "$1.pem" -days 2 2>/dev/null
}

# leaf NAME SAN KEYOPTS...: NAME.pem and NAME.key, issued by ca
leaf() {
  local name=$1 san=$2
  shift 2
  openssl req -newkey "$@" -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/CN=${name}" 2>/dev/null
  printf '%s\n' "subjectAltName = $san" "basicConstraints = CA:FALSE" \
    "keyUsage = critical, digitalSignature, keyEncipherment" \
    "extendedKeyUsage = serverAuth" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out "$name.pem" -days 2 -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

ca ca
ca other-ca
leaf server "DNS:localhost, IP:127.0.0.1" rsa:2048
leaf server-ec "DNS:localhost, IP:127.0.0.1" ec -pkeyopt ec_paramgen_curve:P-256
leaf elsewhere "DNS:elsewhere.example" ec -pkeyopt ec_paramgen_curve:P-256
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key \
  2>/dev/null
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >keystore-password
openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem \
  -name server -out server.p12 -passout "file:keystore-password"
rm -f ca.cnf ca.srl other-ca.key
chmod 644 ./*.pem
