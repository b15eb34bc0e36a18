# shellcheck shell=bash
# scripts/lib/debian.sh: source it, then `ensure_debs PKG...` installs the
# Debian packages that are missing (as root, non-interactive, without
# recommends) and never starts their services: a policy-rc.d that refuses
# every start is in place during the install. `apt-get update` runs at most
# once per CI run (KSNAP_APT_UPDATED, exported by .ci/run) or per shell.
ensure_debs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "ensure_debs: need root to install: ${missing[*]}" >&2
		return 1
	fi
	apt_update_once
	local policy=/usr/sbin/policy-rc.d had_policy=0
	[[ -e $policy ]] && had_policy=1
	if ((had_policy == 0)); then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
	((had_policy == 0)) && rm -f "$policy"
	return "$rc"
}

# apt_update_once refreshes the package lists at most once per CI run (or
# shell), for `apt-get download` and installs alike.
apt_update_once() {
	if [[ ${KSNAP_APT_UPDATED:-} != 1 ]]; then
		apt-get update -qq >&2
		export KSNAP_APT_UPDATED=1
	fi
}
