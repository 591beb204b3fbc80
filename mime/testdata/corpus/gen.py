#!/usr/bin/env python3
"""Writes the .eml corpus beside it. Run from this directory:
python3 gen.py. The files are committed; this documents how they were made."""
import base64, urllib.parse

JA = "請求書のご案内です。添付ファイルをご確認ください。"
NAME = "請求書.exe"
PE = b"MZ" + b"\0" * 58 + (0x80).to_bytes(4, "little") + b"\0" * 64 + b"PE\0\0" + b"\0" * 124


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def ew(text, cs):
    return "=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(cs)).decode())


def write(name, text, crlf=True):
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    data = text.replace("\n", "\r\n") if crlf else text
    with open(name, "wb") as f:
        f.write(data.encode("latin-1") if isinstance(data, str) else data)


def jp(cs, fname_style):
    body = JA.encode(cs)
    if fname_style == "rfc2231":
        fn = "filename*=%s''%s" % (cs, urllib.parse.quote(NAME.encode(cs)))
    elif fname_style == "encoded-word":
        fn = 'filename="%s"' % ew(NAME, cs)
    else:  # raw 8-bit in the part's charset
        fn = 'filename="%s"' % NAME.encode(cs).decode("latin-1")
    return ("From: sender@example.jp\nTo: rcpt@example.jp\nSubject: %s\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"jp\"\n\n--jp\n"
            "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: base64\n\n%s\n"
            "--jp\nContent-Type: application/octet-stream; charset=%s\n"
            "Content-Disposition: attachment; %s\nContent-Transfer-Encoding: base64\n\n%s\n--jp--\n"
            % (ew("請求書", cs), cs, b64(body), cs, fn, b64(PE)))


write("ja-iso2022jp-rfc2231.eml", jp("iso-2022-jp", "rfc2231"))
write("ja-shiftjis-encoded-word.eml", jp("shift_jis", "encoded-word"))
write("ja-eucjp-raw.eml", jp("euc-jp", "raw"))
write("ja-utf8-rfc2231-continuation.eml",
      "From: a@example.jp\nSubject: " + ew("請求書", "utf-8") + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n%s\n--b\n"
      "Content-Type: application/octet-stream\nContent-Disposition: attachment;\n filename*0*=utf-8''%s;\n filename*1*=%s\n"
      "Content-Transfer-Encoding: base64\n\n%s\n--b--\n"
      % (b64(JA.encode()), urllib.parse.quote("請求".encode()), urllib.parse.quote("書.exe".encode()), b64(PE)))

HDR = "From: a@example.org\nSubject: malformed\nMIME-Version: 1.0\n"
EXE = "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"a.exe\"\nContent-Transfer-Encoding: base64\n\n" + b64(PE) + "\n"
write("missing-boundary-parameter.eml", HDR + "Content-Type: multipart/mixed\n\n--b\n" + EXE + "--b--\n")
write("boundary-never-appears.eml", HDR + "Content-Type: multipart/mixed; boundary=zzz\n\n--b\n" + EXE + "--b--\n")
write("missing-close-delimiter.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\n" + EXE)
write("duplicate-content-type.eml", HDR + "Content-Type: multipart/mixed; boundary=b\nContent-Type: multipart/mixed; boundary=c\n\n--b\n" + EXE + "--c\n" + EXE + "--b--\n")
write("reused-boundary.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\n" + EXE + "--b--\n")
write("bad-base64.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream; name=a.exe\nContent-Transfer-Encoding: base64\n\n" + b64(PE)[:40] + "!!**" + b64(PE)[40:] + "\n--b--\n")
write("no-blank-line-after-header.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nthis line is body, not a header\n--b--\n")
write("two-boundary-parameters.eml", HDR + "Content-Type: multipart/mixed; boundary=b; boundary=c\n\n--b\n" + EXE + "--b--\n")
write("lf-only.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\n" + EXE + "--b--\n", crlf=False)
write("longer-line-is-not-delimiter.eml", HDR + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n--bx is not a delimiter\n--b \t\n" + EXE + "--b--\n")
write("base64-multipart.eml", HDR + "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n" + b64(("--b\r\n" + EXE.replace("\n", "\r\n") + "--b--\r\n").encode()) + "\n")
write("unknown-transfer-encoding.eml", HDR + "Content-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.bin\n`\nend\n")
write("headers-only.eml", "From: a@example.org\nSubject: nothing\n")
write("empty.eml", "")
write("continuation-first.eml", " folded: first\nContent-Type: text/plain\n\nhi\n")
write("ja-iso2022jp-raw-subject.eml", ("From: a@example.jp\nSubject: " + "請求書".encode("iso-2022-jp").decode("latin-1") +
      "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-2022-jp\n\n").encode("latin-1") + JA.encode("iso-2022-jp") + b"\n")
