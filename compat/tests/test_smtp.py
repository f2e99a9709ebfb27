"""Codes by SMTP (WARDEN_SMTP_URL): boto3 drives AdminCreateUser and ForgotPassword against a
Warden that mails through a small SMTP server run here; the codes that reach it sign the user
in. The API answers before the mail server has taken a message, so how long it takes is not
added to the call, nor does it tell a caller whether the user named exists."""

import re
import socketserver
import threading
import uuid

import pytest
from warden_compat import PASSWORD, PUBLIC_FLOWS, Server, free_port


class Mailbox:
    """What the SMTP server received, and a gate that holds its answer to DATA while closed."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Condition()
        self.gate = threading.Event()
        self.gate.set()
        # A message the gate held until it gave up waiting: the client waited for the mail server.
        self.held_too_long = False

    def wait_for(self, predicate, timeout=30):
        with self.arrived:
            assert self.arrived.wait_for(lambda: any(predicate(m) for m in self.messages), timeout), self.messages
            return [m for m in self.messages if predicate(m)][-1]


class SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for one client: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        box = self.server.mailbox
        self.reply("220 localhost ESMTP test")
        rcpt = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt.append(re.search(r"<([^>]*)>", line.decode()).group(1))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode(errors="replace"))
                if not box.gate.wait(20):
                    box.held_too_long = True
                with box.arrived:
                    box.messages.append({"to": rcpt, "body": "".join(body)})
                    box.arrived.notify_all()
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture(scope="module")
def mail():
    box = Mailbox()
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), SmtpHandler)
    smtp.daemon_threads = True
    smtp.mailbox = box
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    server = Server("sqlite", WARDEN_SMTP_URL=f"smtp://127.0.0.1:{smtp.server_address[1]}",
                    WARDEN_SMTP_FROM="Warden <no-reply@example.com>")
    yield server, box
    box.gate.set()
    problems = server.stop()
    smtp.shutdown()
    assert not problems, problems


def test_codes_reach_users_by_smtp(mail):
    server, box = mail
    admin, unsigned = server.client(), server.client(signed=False)
    pool = admin.create_user_pool(PoolName="smtp-" + uuid.uuid4().hex[:6])["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=PUBLIC_FLOWS)[
        "UserPoolClient"]["ClientId"]
    address = f"mia-{uuid.uuid4().hex[:6]}@example.com"

    # AdminCreateUser without SUPPRESS mails a temporary password.
    admin.admin_create_user(UserPoolId=pool, Username="mia", UserAttributes=[{"Name": "email", "Value": address}])
    welcome = box.wait_for(lambda m: m["to"] == [address] and "temporary password" in m["body"])
    temporary = re.search(r"temporary password is (\S+)", welcome["body"]).group(1)
    assert "no-reply@example.com" in welcome["body"] and "mia" in welcome["body"]
    challenge = unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": "mia", "PASSWORD": temporary})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    unsigned.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                       Session=challenge["Session"],
                                       ChallengeResponses={"USERNAME": "mia", "NEW_PASSWORD": PASSWORD})

    # ForgotPassword answers while the mail server still holds the message.
    box.gate.clear()
    sent = unsigned.forgot_password(ClientId=client_id, Username="mia")["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL" and sent["Destination"].startswith("m***@")
    box.gate.set()
    reset = box.wait_for(lambda m: m["to"] == [address] and "reset code" in m["body"])
    assert not box.held_too_long, "ForgotPassword waited for the mail server"
    code = re.search(r"reset code is (\d{6})", reset["body"]).group(1)
    unsigned.confirm_forgot_password(ClientId=client_id, Username="mia", ConfirmationCode=code,
                                     Password="Mailed-Reset-1")
    tokens = unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "mia", "PASSWORD": "Mailed-Reset-1"})
    assert tokens["AuthenticationResult"]["AccessToken"]
    assert server.outbox() == [], "with SMTP configured, nothing goes to the dev outbox"
    assert code not in server.log_text(), "no code in the server's log"
