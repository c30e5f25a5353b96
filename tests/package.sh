#!/usr/bin/env bash
# The install target and the Debian package: `cmake --install` puts the binary, the man
# pages and the three completion scripts where they belong; `cpack` packages the same
# build directory into a .deb whose control fields are filled in (Depends from
# dpkg-shlibdeps, Maintainer, Description), apt would install it here, and dpkg installs
# it into a private root where its binary runs.
#   package.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package.sh: $*" >&2; exit 1; }

# What every installed tree must hold (relative to its prefix); man pages only where
# pandoc rendered them.
expected=(bin/trk share/bash-completion/completions/trk share/fish/vendor_completions.d/trk.fish
  share/doc/trk/examples/trk-edge.service share/doc/trk/examples/edge.env)
zsh_dir=$(sed -n 's/^TRK_ZSH_COMPLETION_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
expected+=("$zsh_dir/_trk")
if [ -f "$build/man/trk.1" ]; then
  for page in "$build"/man/*.1; do expected+=("share/man/man1/$(basename "$page")"); done
fi
check_tree() {  # check_tree PREFIX WHAT
  local f
  for f in "${expected[@]}"; do [ -s "$1/$f" ] || fail "$2: $f is missing"; done
  "$1/bin/trk" --version | grep -Eq '^trk [0-9.]+ \(commit ([0-9a-f]+(-dirty)?|unknown)\)$' \
    || fail "$2: bin/trk --version says: $("$1/bin/trk" --version)"
  # The installed bash completion is the one trk generates.
  cmp -s "$1/share/bash-completion/completions/trk" <("$1/bin/trk" completion bash) \
    || fail "$2: the bash completion differs from 'trk completion bash'"
}

cmake --install "$build" --prefix "$tmp/install" >/dev/null
check_tree "$tmp/install" "cmake --install"
echo "cmake --install: ${#expected[@]} files, trk --version: $("$tmp/install/bin/trk" --version)"

(cd "$build" && cpack -G DEB -B "$tmp/package" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
deb=$(ls "$tmp"/package/*.deb)
info=$(dpkg-deb --info "$deb")
for field in Package Version Architecture Maintainer Depends Description Section; do
  grep -q "^ $field: ." <<<"$info" || { echo "$info"; fail "the .deb has no $field"; }
done
grep -q '^ Depends:.*libsqlite3' <<<"$info" || { echo "$info"; fail "Depends does not name libsqlite3 (dpkg-shlibdeps)"; }
contents=$(dpkg-deb --contents "$deb")
grep -q ' \./usr/bin/trk$' <<<"$contents" || { echo "$contents"; fail "the .deb holds no /usr/bin/trk"; }
# Installed: apt checks, installing nothing, that this system satisfies the Depends; then
# dpkg itself installs the package into a private root (its own database there, so the
# Depends are apt's question, not this root's), and lists it as installed.
apt-get install --simulate "$deb" >"$tmp/apt.log" 2>&1 && grep -q '^Inst trk ' "$tmp/apt.log" \
  || { cat "$tmp/apt.log"; fail "apt-get would not install the .deb here"; }
admin=$tmp/root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates" && : >"$admin/status"
dpkg --force-not-root --force-depends --root="$tmp/root" -i "$deb" >"$tmp/dpkg.log" 2>&1 \
  || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
dpkg --root="$tmp/root" -s trk | grep -q '^Status: install ok installed' || fail "dpkg does not list trk as installed"
check_tree "$tmp/root/usr" "the .deb, installed by dpkg"
echo "$(basename "$deb"): $(grep -c . <<<"$contents") entries; $(grep '^ Depends:' <<<"$info")"
