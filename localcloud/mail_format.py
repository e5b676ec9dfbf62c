"""An SNS email as the bytes of its Maildir file, built once.

The file is what `mailbox.Maildir.add` wrote for an `EmailMessage` with these headers and
`set_content(body)`. Building that message parses every header into objects, `set_content`
adds and parses three more, and the generator folds them all back into text: most of an
email's cost, and every order sends one. So an email whose headers need nothing done to them
(ASCII with nothing to quote, encode or fold) is written here directly, with the body
encoded as `set_content` chooses; any other goes through the email package as before.
`tests/localcloud/test_mail.py` compares the two, byte for byte.
"""

from __future__ import annotations

import binascii
import email.policy
import io
import re
from dataclasses import dataclass
from email import quoprimime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage

SENDER = "no-reply@sns.amazonaws.com"
_POLICY = email.policy.default
_LINE = _POLICY.max_line_length  # 78

# Headers the header registry would give back unchanged: words of RFC 5322 atext separated
# by single spaces (a display name that needs no quotes), a dot-atom address, and printable
# ASCII with no encoded word, on lines that need no folding.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_WORDS = re.compile(rf"{_ATEXT}(?: {_ATEXT})*")
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*")
_PLAIN_TEXT = re.compile(r"(?!.*=\?)[!-~](?:[!-~]| (?! ))*(?<! )")


@dataclass(frozen=True)
class Email:
    data: bytes  # the file's contents
    recipients: list[str]  # the addresses of its To header, one Maildir each


def render(
    sender_name: str, to: str, subject: str, body: str, *, date: str, message_id: str
) -> Email:
    """The email from `sender_name` <SENDER> to `to`, as a plain-text UTF-8 message."""
    headers = {
        "From": f"{sender_name} <{SENDER}>",
        "To": to,
        "Subject": subject,
        "Date": date,
        "Message-ID": message_id,
    }
    plain = (
        _PLAIN_WORDS.fullmatch(sender_name)
        and _PLAIN_ADDRESS.fullmatch(to)
        and _PLAIN_TEXT.fullmatch(subject)
        and all(len(name) + 2 + len(value) <= _LINE for name, value in headers.items())
    )
    if not plain:
        return _through_the_email_package(sender_name, headers, body)
    encoding, payload = _text_payload(body)
    head = "".join(f"{name}: {value}\n" for name, value in headers.items()) + (
        'Content-Type: text/plain; charset="utf-8"\n'
        f"Content-Transfer-Encoding: {encoding}\n"
        "MIME-Version: 1.0\n\n"
    )
    return Email(head.encode("ascii") + payload, [to])


def _text_payload(body: str) -> tuple[str, bytes]:
    """The Content-Transfer-Encoding `set_content` picks for `body` in UTF-8, and the body
    encoded with it: as it is when every line fits (7bit, or 8bit if not ASCII), else the
    shorter of quoted-printable and base64 over the first ten lines."""
    lines = body.encode("utf-8").splitlines()
    text = b"\n".join(lines) + b"\n"
    if max(map(len, lines), default=0) <= _LINE:
        return ("7bit" if text.isascii() else "8bit"), text
    head = b"\n".join(lines[:10]) + b"\n"
    if len(_quoted_printable(head)) <= len(binascii.b2a_base64(head)):
        return "quoted-printable", _quoted_printable(text)
    chunk = _LINE // 4 * 3  # the bytes a base64 line holds
    encoded = b"".join(binascii.b2a_base64(text[i : i + chunk]) for i in range(0, len(text), chunk))
    return "base64", encoded


def _quoted_printable(text: bytes) -> bytes:
    return quoprimime.body_encode(text.decode("latin-1"), _LINE).encode("ascii")


def _through_the_email_package(sender_name: str, headers: dict[str, str], body: str) -> Email:
    """Headers that need quoting, encoding or folding: the header registry does it."""
    message = EmailMessage()
    message["From"] = Address(sender_name, addr_spec=SENDER)
    for name in ("To", "Subject", "Date", "Message-ID"):
        message[name] = headers[name]
    message.set_content(body)
    out = io.BytesIO()
    # As Maildir.add writes a message: no From_ mangling, headers not refolded.
    BytesGenerator(out, mangle_from_=False, maxheaderlen=0).flatten(message)
    return Email(out.getvalue(), [a.addr_spec for a in message["To"].addresses])
