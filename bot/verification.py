"""Slack request signing, checked strictly.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 and we reject timestamps more
than 300 s from now. Bolt's own check calls int() on the timestamp header and answers
500 when it is not a number; this one answers 401, like any other bad signature.
"""

import re
from collections.abc import Callable

from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

_DIGITS = re.compile(r"[0-9]{1,12}")


class StrictRequestVerification(RequestVerification):
    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if req.mode != "socket_mode":  # Socket Mode traffic is not signed
            timestamp = req.headers.get("x-slack-request-timestamp", [""])[0]
            if not _DIGITS.fullmatch(timestamp):
                self.logger.info("rejected a request whose timestamp is not a number")
                return BoltResponse(status=401, body={"error": "invalid request"})
        return super().process(req=req, resp=resp, next=next)
