"""Which funds a funding window concerns: one rule for the alerts before a window closes
and the meeting pack's decisions.

A window whose title names a fund ("PtP credit applications") concerns that fund (or
those funds) alone; a window that names none ("Community safety bids") concerns every
fund, since any of the partnership's money may be what it is for.
"""

from collections.abc import Iterable

from storage.partnerships import name_key


def concerns(window_title: str, fund_name: str, fund_names: Iterable[str]) -> bool:
    """Whether the window concerns the fund, among all of the partnership's `fund_names`.
    Names are compared as the bot keys them (case and spacing folded)."""
    title = name_key(window_title)
    named = {key for key in map(name_key, fund_names) if key and key in title}
    return not named or name_key(fund_name) in named
