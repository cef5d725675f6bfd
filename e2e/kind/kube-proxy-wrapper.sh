#!/bin/sh
# /usr/local/bin/kube-proxy in our kube-proxy image: use the iptables backend (nft or legacy)
# that already holds the node's rules, the way upstream's iptables-wrapper does, then run the
# real binary next to this script.
legacy=$( (iptables-legacy-save; ip6tables-legacy-save) 2>/dev/null | grep -c '^-')
nft=$( (iptables-nft-save; ip6tables-nft-save) 2>/dev/null | grep -c '^-')
if [ "$legacy" -gt "$nft" ]; then mode=legacy; else mode=nft; fi
for t in iptables ip6tables; do
    for s in "" -save -restore; do
        update-alternatives --quiet --set "$t$s" "/usr/sbin/$t-$mode$s" 2>/dev/null || true
    done
done
exec "$0.real" "$@"
