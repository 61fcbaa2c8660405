#!/usr/bin/env bash
# Installs build dependencies (Debian 12) once; a second run only checks. Usage: scripts/setup.sh
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config libcaf-dev libboost-dev libsoci-dev
  libmariadb-dev mariadb-server mariadb-client libsimdjson-dev libfmt-dev catch2 libsodium-dev libssl-dev
  libsqlite3-dev clang libclang-rt-14-dev libbenchmark-dev nlohmann-json3-dev nodejs npm chromium
  webkit2gtk-driver xvfb gir1.2-webkit2-4.1 python3-gi
  openjdk-17-jdk-headless maven tmux sqlite3 libspdlog-dev libcli11-dev prometheus-cpp-dev
  util-linux libboost1.74-doc gnuplot-nox fonts-noto-color-emoji libvips-dev libmagic-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside apt (the dev image has them): do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
