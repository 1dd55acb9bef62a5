#!/usr/bin/env python3
"""Makes the MHTML fixtures from corpus pages with Python's standard MIME generator (email package).

Run from this folder: python3 make-fixtures.py. See README.md.
"""
import base64
import quopri
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / 'corpus'


def qp(data: bytes) -> str:
    # Quoted-printable as Word and Blink write it: =XX escapes, soft line breaks (=CRLF) at 76 columns,
    # which may fall inside a multi-byte character.
    return quopri.encodestring(data).decode('ascii').replace('\n', '\r\n')


def word(name: str, charset: str) -> bytes:
    """Word's "single file web page" (.mht, also saved under a .doc name): preamble, a QP HTML part, a filelist part."""
    html = (CORPUS / f'{name}.html').read_text('utf-8').replace('charset="utf-8"', f'charset="{charset}"')
    b = '----=_NextPart_01DA5B2C.3F2E1A40'
    parts = [
        'MIME-Version: 1.0',
        f'Content-Type: multipart/related; boundary="{b}"',
        '',
        'This document is a Single File Web Page, also known as a Web Archive file.  If you are seeing this message, your browser or editor doesn\'t support Web Archive files.  Please download a browser that supports Web Archive.',
        '',
        f'--{b}',
        'Content-Location: file:///C:/D0C1A2B3/report.htm',
        'Content-Transfer-Encoding: quoted-printable',
        f'Content-Type: text/html; charset="{charset}"',
        '',
        qp(html.encode('gb18030' if charset.startswith('gb') else charset)),
        '',
        f'--{b}',
        'Content-Location: file:///C:/D0C1A2B3/report.files/filelist.xml',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Type: text/xml; charset="utf-8"',
        '',
        qp(b'<xml xmlns:o="urn:schemas-microsoft-com:office:office">\n <o:MainFile HRef="../report.htm"/>\n <o:File HRef="filelist.xml"/>\n</xml>'),
        '',
        f'--{b}--',
        '',
    ]
    return '\r\n'.join(parts).encode('ascii')


def blink(name: str) -> bytes:
    """Chromium's "Webpage, single file" (.mhtml): the page in QP UTF-8, then a stylesheet and an image in base64."""
    html = (CORPUS / f'{name}.html').read_text('utf-8')
    b = '----MultipartBoundary--Xq5m2R1yq8bXJpPz0C7wHvRkqzW0b5lQn4K3eJ6iT----'
    png = base64.b64encode(bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                                         '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082')).decode('ascii')
    parts = [
        'From: <Saved by Blink>',
        'Snapshot-Content-Location: http://www.pingtan.gov.cn/zwgk/report.htm',
        'Subject: =?utf-8?Q?=E6=94=BF=E5=BA=9C=E4=BF=A1=E6=81=AF=E5=85=AC=E5=BC=80?=',
        'Date: Mon, 20 Jan 2025 10:12:01 +0800',
        'MIME-Version: 1.0',
        'Content-Type: multipart/related;',
        '\ttype="text/html";',
        f'\tboundary="{b}"',
        '',
        '',
        f'--{b}',
        'Content-Type: text/html',
        'Content-ID: <frame-4D2F0C7B6E8A@mhtml.blink>',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Location: http://www.pingtan.gov.cn/zwgk/report.htm',
        '',
        qp(html.encode('utf-8')),
        f'--{b}',
        'Content-Type: text/css',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Location: cid:css-0b1d@mhtml.blink',
        '',
        qp(b'@charset "utf-8";\ntable { border-collapse: collapse; }'),
        f'--{b}',
        'Content-Type: image/png',
        'Content-Transfer-Encoding: base64',
        'Content-Location: http://www.pingtan.gov.cn/images/logo.png',
        '',
        png,
        f'--{b}--',
        '',
    ]
    return '\r\n'.join(parts).encode('ascii')


Path('fujian-pingtan-2021.mht').write_bytes(word('fujian-pingtan-2021', 'gb2312'))
Path('fujian-pingtan-2019.doc').write_bytes(word('fujian-pingtan-2019', 'gb2312'))
Path('fujian-pingtan-2023.mhtml').write_bytes(blink('fujian-pingtan-2023'))
