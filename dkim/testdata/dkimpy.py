#!/usr/bin/python3
"""dkimpy driver for spamkit's DKIM/ARC interop fixtures and tests.

Calls the same dkimpy functions as its dkimsign, dkimverify, arcsign and
arcverify commands, but answers key lookups from a zone file (the
commands would ask the system's DNS, which the tests and fixtures must not
need), and lets the ARC timestamp and algorithm be chosen.

  dkimpy.py sign MSG SELECTOR DOMAIN KEY ALG HCANON BCANON [IDENTITY] [LENGTH]
  dkimpy.py arcsign MSG SELECTOR DOMAIN KEY SRVID ALG TIMESTAMP
  dkimpy.py verify MSG ZONE...      exit 0 if every DKIM signature verifies
  dkimpy.py arcverify MSG ZONE...   prints the chain status, exit 0 on pass

The signing commands print the new header fields on stdout.
"""
import re
import sys

import dkim


def load_zones(paths):
    records = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.split(';', 1)[0] if not '"' in line else line
                m = re.match(r'^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$', line.strip())
                if not m:
                    continue
                name = m.group(1).lower()
                if not name.endswith('.'):
                    continue
                value = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
                records[name.encode()] = value.encode()
    return records


def main():
    cmd, msgfile = sys.argv[1], sys.argv[2]
    with open(msgfile, 'rb') as f:
        msg = f.read()
    out = sys.stdout.buffer
    if cmd == 'sign':
        sel, dom, keyfile, alg, hc, bc = sys.argv[3:9]
        ident = sys.argv[9].encode() if len(sys.argv) > 9 and sys.argv[9] else None
        length = len(sys.argv) > 10 and sys.argv[10] == 'length'
        key = open(keyfile, 'rb').read()
        sig = dkim.sign(msg, sel.encode(), dom.encode(), key, identity=ident,
                        canonicalize=(hc.encode(), bc.encode()),
                        signature_algorithm=alg.encode(), length=length)
        out.write(sig)
    elif cmd == 'arcsign':
        sel, dom, keyfile, srvid, alg, ts = sys.argv[3:9]
        key = open(keyfile, 'rb').read()
        for line in dkim.arc_sign(msg, sel.encode(), dom.encode(), key, srvid.encode(),
                                  signature_algorithm=alg.encode(), timestamp=int(ts)):
            out.write(line)
    elif cmd == 'verify':
        records = load_zones(sys.argv[3:])
        d = dkim.DKIM(msg)
        n = len([h for h in d.headers if h[0].lower() == b'dkim-signature'])
        ok = n > 0 and all(d.verify(idx=i, dnsfunc=lambda name, timeout=5: records.get(name)) for i in range(n))
        print('pass' if ok else 'fail')
        sys.exit(0 if ok else 1)
    elif cmd == 'arcverify':
        records = load_zones(sys.argv[3:])
        cv, results, reason = dkim.arc_verify(msg, dnsfunc=lambda name, timeout=5: records.get(name))
        print(cv.decode(), reason)
        sys.exit(0 if cv == dkim.CV_Pass else 1)
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
