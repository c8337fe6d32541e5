"""`/partnership nation scotland`: whose bank holidays the partnership's reminders keep off."""

from sqlmodel import Session

from commands.access import channel_partnership, not_linked, officers_only
from commands.context import Context
from commands.reply import Reply, confirm, inform, refuse
from formatting.slack_text import escape, plain_words, user_mention
from reminders import planning
from reminders.working_days import NATION_NAMES, nation_named
from storage import deadlines as dated
from storage.deadlines import Dated

USAGE = "`/partnership nation england-and-wales`, `scotland` or `northern-ireland`"


def nation(session: Session, ctx: Context, text: str) -> Reply:
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    words = plain_words(text)
    if not words:
        return inform(
            f"*{escape(partnership.name)}* keeps its reminders off the weekends and bank "
            f"holidays of {NATION_NAMES[partnership.nation]}. To change it: {USAGE}."
        )
    chosen = nation_named(words)
    if chosen is None:
        return refuse(
            f"`{escape(words)}` is not a UK nation with its own bank holidays.",
            f"Say one of {USAGE}.",
        )
    if refusal := officers_only(session, ctx, partnership, "change its nation"):
        return refusal
    partnership.nation = chosen
    session.add(partnership)
    rows: list[Dated] = [*dated.deadlines_of(session, partnership=partnership, now=ctx.now)]
    rows += dated.events_of(session, partnership=partnership, now=ctx.now)
    for row in rows:  # the reminders still to come move with the new bank holidays
        planning.replan(session, row, ctx.tz, ctx.now)
    return confirm(
        f":flag-gb: {user_mention(ctx.user_id)} set *{escape(partnership.name)}* to "
        f"{NATION_NAMES[chosen]}: reminders that would fall on its bank holidays or a "
        "weekend come on the working day before."
    )
