#!/usr/bin/python3
"""Batch dkimpy verifier for spamkit's tests (testenv.DKIMPy).

Verifies many messages in one process, so a test pays python's start-up
and dkimpy's import once instead of once per message:

  dkimpy-batch.py ZONE... < REQUESTS

Each line of REQUESTS is "verify PATH" (dkimpy's DKIM verify, the
function behind dkimverify) or "arcverify PATH" (its arc_verify, behind
arcverify). For each, in order, one line is printed:

  verify:     "pass" when the message has DKIM-Signature fields and every
              one verifies, else "fail " and dkimpy's reason
  arcverify:  the chain status (pass, fail, none), a space, dkimpy's reason

Key queries are answered from the zone files (master-file TXT records with
absolute names), never from the network. A message that makes dkimpy
raise gets "fail" (a DKIM exception: malformed message, signature or key)
or "error" (anything else) and the exception, on one line.
"""
import logging
import re
import sys

import dkim


def load_zones(paths):
    records = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.split(';', 1)[0] if '"' not in line else line
                m = re.match(r'^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$', line.strip())
                if not m:
                    continue
                name = m.group(1).lower()
                if not name.endswith('.'):
                    continue
                value = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
                records[name.encode()] = value.encode()
    return records


class Last(logging.Handler):
    """Keeps the last warning or error dkimpy logged: its reason for a
    verification that returned False without raising."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.msg = ''

    def emit(self, record):
        self.msg = record.getMessage()


def one_line(s):
    return ' '.join(str(s).split())


def verify(msg, dnsfunc, logger, last):
    d = dkim.DKIM(msg, logger=logger)
    n = len([h for h in d.headers if h[0].lower() == b'dkim-signature'])
    if n == 0:
        return 'fail no DKIM-Signature'
    for i in range(n):
        last.msg = ''
        if not d.verify(idx=i, dnsfunc=dnsfunc):
            return 'fail signature %d: %s' % (i + 1, last.msg or 'did not verify')
    return 'pass'


def arcverify(msg, dnsfunc, logger, last):
    cv, _results, reason = dkim.arc_verify(msg, logger=logger, dnsfunc=dnsfunc)
    return '%s %s' % (cv.decode(), reason)


def main():
    records = load_zones(sys.argv[1:])
    dnsfunc = lambda name, timeout=5: records.get(name)
    logger = logging.getLogger('dkimpy-batch')
    logger.propagate = False
    last = Last()
    logger.addHandler(last)
    logger.setLevel(logging.WARNING)
    cmds = {'verify': verify, 'arcverify': arcverify}
    for line in sys.stdin:
        line = line.rstrip('\n')
        if not line:
            continue
        cmd, _, path = line.partition(' ')
        try:
            with open(path, 'rb') as f:
                msg = f.read()
            out = cmds[cmd](msg, dnsfunc, logger, last)
        except dkim.DKIMException as e:
            out = 'fail %s: %s' % (type(e).__name__, e)
        except Exception as e:  # reported for this message, the batch goes on
            out = 'error %s: %s' % (type(e).__name__, e)
        print(one_line(out), flush=False)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
