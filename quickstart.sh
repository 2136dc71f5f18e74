#!/usr/bin/env bash
# The README's two commands:
#   ./quickstart.sh demo   installs what is missing, builds, runs the main demo
#   ./quickstart.sh test   installs what is missing, builds, runs every test (ctest)
# Debian 12, as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")"

# python3-zmq and python3-msgpack: the interop test (tests/interop) runs a Python client
# written from docs/protocol.md against a C++ host, so the document stays true.
# libssl-dev: mpact::Listener/Client's HMAC handshake (Python's authkey challenge) uses
# OpenSSL's libcrypto rather than hand-written HMAC.
packages=(build-essential cmake libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev doctest-dev
          python3 python3-zmq python3-msgpack iproute2 libssl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

case "${1:-}" in
  demo)
    cmake --preset default >/dev/null
    cmake --build --preset default --target counter_service
    ./build/default/examples/counter_service ;;
  test)
    cmake --workflow --preset "${2:-default}" ;;
  *)
    echo "usage: $0 demo | test [default|asan|tsan]" >&2; exit 2 ;;
esac
