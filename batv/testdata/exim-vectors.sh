#!/bin/sh
# Regenerates (by hand, never from tests) the Exim vectors in this directory:
# exim-prvs.txt (tags Exim's ${prvs} makes) and exim-prvscheck.txt (what
# Exim's ${prvscheck} says of tags batv.Checker.Sign made; the tags to check
# are read from the file ours.txt, lines "K|secret|tag").
#
# Exim is not installed beside Postfix (both are the system MTA): the
# Debian package is unpacked into a scratch directory and run with -be
# (expansion test mode) under a private mount namespace whose /etc/passwd
# has the Debian-exim user the binary was built for. Needs root.
set -eu
dir=${1:-/tmp/batv-exim}
mkdir -p "$dir/spool" "$dir/log" && cd "$dir"
apt-get download exim4-daemon-light exim4-base libidn12 >/dev/null
for f in *.deb; do dpkg -x "$f" root; done
cp /etc/passwd passwd; cp /etc/group group
echo 'Debian-exim:x:64999:64999::/tmp:/bin/false' >>passwd
echo 'Debian-exim:x:64999:' >>group
chmod 777 spool log
cat >exim.conf <<CONF
primary_hostname = test.example
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
CONF
exim() {
	unshare -m sh -c 'mount --bind "$0/passwd" /etc/passwd; mount --bind "$0/group" /etc/group
		LD_LIBRARY_PATH="$0/root/usr/lib/x86_64-linux-gnu" "$0/root/usr/sbin/exim4" -C "$0/exim.conf" -be "$1"' "$dir" "$1"
}
S64=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_
while IFS='|' read -r k s a; do
	printf '%s\t%s\t%s\t%s\n' "$k" "$s" "$a" "$(exim "\${prvs{$a}{$s}{$k}}")"
done <<LIST
0|secret|postmaster@example.com
3|s3cr3t|Jane.Doe@Example.ORG
9|another key|bounces+list@lists.example.net
1|$S64|a@b.example
0|x|user@example.com
5|k|a=b@example.com
7|secret|very.long.local.part.with.many.dots@sub.domain.example.co.uk
LIST
if [ -f ours.txt ]; then
	while IFS='|' read -r k s tag; do
		printf '%s\t%s\t%s\n' "$s" "$tag" "$(exim "\${prvscheck{$tag}{$s}{ok=\$prvscheck_result}}")"
	done <ours.txt
fi
