"""The money paid into funds: entries, what one source has paid, a payment typed twice."""

from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.models import Fund, FundEntry, Partnership, saved_id


def add_entry(
    session: Session,
    *,
    fund: Fund,
    kind: str,
    pence: int,
    source: str | None,
    year: int,
    user_id: str,
    now: datetime,
) -> FundEntry:
    entry = FundEntry(
        team_id=fund.team_id,
        fund_id=saved_id(fund),
        kind=kind,
        amount_pence=pence,
        source=source,
        financial_year=year,
        created_by=user_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


def entries_of(
    session: Session, *, partnership: Partnership, year: int
) -> list[tuple[FundEntry, Fund]]:
    """The money into a partnership's funds that counts in one financial year."""
    return list(
        session.exec(
            select(FundEntry, Fund)
            .join(Fund, col(Fund.id) == FundEntry.fund_id)
            .where(
                Fund.team_id == partnership.team_id,
                Fund.partnership_id == partnership.id,
                FundEntry.financial_year == year,
            )
            .order_by(col(FundEntry.created_at), col(FundEntry.id))
        )
    )


def paid_in_by(session: Session, *, fund: Fund, kind: str, source: str | None, year: int) -> int:
    """What one source (None: every source) has paid into a fund as `kind` for financial
    year `year`, net of corrections, in pence."""
    where = [FundEntry.fund_id == fund.id, FundEntry.kind == kind, FundEntry.financial_year == year]
    if source is not None:
        where.append(FundEntry.source == source)
    total = session.exec(select(func.sum(FundEntry.amount_pence)).where(*where)).one()
    return int(total or 0)


def same_entry_since(
    session: Session,
    *,
    fund: Fund,
    kind: str,
    pence: int,
    source: str | None,
    year: int,
    since: datetime,
) -> FundEntry | None:
    """The newest entry like this one recorded since `since`: a payment typed twice?"""
    same_source = _from(source)
    return session.exec(
        select(FundEntry)
        .where(
            FundEntry.fund_id == fund.id,
            FundEntry.kind == kind,
            FundEntry.amount_pence == pence,
            FundEntry.financial_year == year,
            same_source,
            col(FundEntry.created_at) >= since,
        )
        .order_by(col(FundEntry.created_at).desc())
        .limit(1)
    ).first()


def _from(source: str | None):
    return col(FundEntry.source).is_(None) if source is None else FundEntry.source == source
