"""The customer directory: who the company knows, to match a requester's data points.

:class:`CustomerDirectory` is the port; :class:`SqlCustomerDirectory` keeps
customers in the ``customers`` table — every value encrypted (``DATA_KEYS``),
each data point also as a keyed blind index (``INDEX_KEY``) of its normalised
form, so matching never decrypts the table.  Normalisation:

* names: Unicode NFKD, accents dropped, case-folded, punctuation and spacing
  collapsed ("  ÉLODIE  o'Démo" == "elodie o demo");
* e-mail: trimmed, lower-cased; phone: E.164 (``phonenumbers``, US default region);
* postal code: letters and digits upper-cased, US ZIP+4 reduced to the ZIP;
* order number: letters and digits upper-cased ("cna-100001" == "CNA100001");
* date of birth: a ``date`` or an ISO ``YYYY-MM-DD`` string.

:data:`DEMO_CUSTOMERS` are obviously fake people (``example.com`` addresses,
555-01xx numbers reserved for fiction) seeded by ``privacy-desk customers seed``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple, Union

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.clock import utcnow
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import Database
from bot.verification.codes import is_missing_table
from bot.verification.errors import VerificationStoreNotReady
from bot.verification.models import Customer

__all__ = [
    "CustomerRecord",
    "MatchResult",
    "CustomerDirectory",
    "SqlCustomerDirectory",
    "DEMO_CUSTOMERS",
    "normalise_name",
    "normalise_postal_code",
    "normalise_order_number",
    "normalise_phone_e164",
]

DateLike = Union[date, str, None]


@dataclass(frozen=True)
class CustomerRecord:
    """One customer as the directory holds it (personal data: never log)."""

    customer_id: str
    full_name: str
    email: Optional[str] = None
    phone: Optional[str] = None
    date_of_birth: Optional[date] = None
    postal_code: Optional[str] = None
    order_number: Optional[str] = None

    def __repr__(self) -> str:
        return f"CustomerRecord(customer_id={self.customer_id!r}, ...)"


@dataclass(frozen=True)
class MatchResult:
    """``customer_id`` of the best-matching customer (``None`` when nothing matched) and the
    names of the data points that matched it (never the values), in :data:`~bot.verification.levels.DATA_POINTS` order."""

    customer_id: Optional[str]
    matched_points: List[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.customer_id is not None

    @property
    def count(self) -> int:
        return len(self.matched_points)


class CustomerDirectory(Protocol):
    def match(
        self,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        full_name: Optional[str] = None,
        date_of_birth: DateLike = None,
        postal_code: Optional[str] = None,
        order_number: Optional[str] = None,
    ) -> MatchResult: ...


# --------------------------------------------------------------------------- normalisation

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold()
    return " ".join(part for part in _NON_ALNUM.split(folded) if part)


def normalise_postal_code(value: str) -> str:
    compact = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isalnum()).upper()
    if len(compact) == 9 and compact.isdigit():  # ZIP+4
        return compact[:5]
    return compact


def normalise_order_number(value: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isalnum()).upper()


def normalise_phone_e164(value: str, region: str = "US") -> Optional[str]:
    """E.164 form of ``value`` (``None`` when it is not a phone number at all)."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _dob(value: DateLike) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _text(value: object) -> Optional[str]:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value and len(value) <= 320 else None


# --------------------------------------------------------------------------- SQL directory


class SqlCustomerDirectory:
    """The ``customers`` table.  Blocking calls; one transaction each."""

    def __init__(
        self,
        database: Database,
        cipher: DataCipher,
        indexer: Indexer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._cipher = cipher
        self._indexer = indexer
        self._clock = clock

    # ---------------------------------------------------------------- indexes

    def _indexes(
        self,
        *,
        email: Optional[str],
        phone: Optional[str],
        full_name: Optional[str],
        date_of_birth: DateLike,
        postal_code: Optional[str],
        order_number: Optional[str],
    ) -> Dict[str, Optional[str]]:
        ix = self._indexer
        email_ = _text(email)
        phone_ = _text(phone)
        phone_e164 = normalise_phone_e164(phone_) if phone_ else None
        name_ = _text(full_name)
        name_norm = normalise_name(name_) if name_ else ""
        postal_ = _text(postal_code)
        postal_norm = normalise_postal_code(postal_) if postal_ else ""
        order_ = _text(order_number)
        order_norm = normalise_order_number(order_) if order_ else ""
        dob = _dob(date_of_birth)
        return {
            "email": ix.email_index(email_) if email_ and "@" in email_ else None,
            "phone": ix.phone_index(phone_e164) if phone_e164 else None,
            "full_name": ix.digest("customer:name", name_norm) if name_norm else None,
            "date_of_birth": ix.digest("customer:dob", dob) if dob else None,
            "postal_code": ix.digest("customer:postal", postal_norm) if postal_norm else None,
            "order_number": ix.digest("customer:order", order_norm) if order_norm else None,
        }

    # ---------------------------------------------------------------- writes

    def upsert(self, record: CustomerRecord) -> None:
        """Insert or replace one customer (by ``customer_id``)."""
        indexes = self._indexes(
            email=record.email,
            phone=record.phone,
            full_name=record.full_name,
            date_of_birth=record.date_of_birth,
            postal_code=record.postal_code,
            order_number=record.order_number,
        )
        payload = asdict(record)
        payload["date_of_birth"] = record.date_of_birth.isoformat() if record.date_of_birth else None
        now = self._clock()
        try:
            with self._db.write.begin() as session:
                row = session.get(Customer, record.customer_id, with_for_update=True)
                if row is None:
                    row = Customer(id=record.customer_id, created_at=now)
                    session.add(row)
                row.email_index = indexes["email"]
                row.phone_index = indexes["phone"]
                row.name_index = indexes["full_name"]
                row.dob_index = indexes["date_of_birth"]
                row.postal_index = indexes["postal_code"]
                row.order_index = indexes["order_number"]
                row.data_ct = self._cipher.encrypt_json(payload)
                row.updated_at = now
        except (OperationalError, ProgrammingError) as exc:
            if is_missing_table(exc):
                raise VerificationStoreNotReady("customers table is missing; run `privacy-desk migrate`") from exc
            raise

    def seed(self, records: Iterable[CustomerRecord] = ()) -> int:
        """Idempotently (re)write ``records`` (default: :data:`DEMO_CUSTOMERS`); returns how many."""
        chosen = list(records) or list(DEMO_CUSTOMERS)
        for record in chosen:
            self.upsert(record)
        return len(chosen)

    # ---------------------------------------------------------------- reads

    def get(self, customer_id: str) -> Optional[CustomerRecord]:
        with self._db.read() as session:
            row = session.get(Customer, customer_id)
            return self._record(row) if row is not None else None

    def list(self) -> List[CustomerRecord]:
        with self._db.read() as session:
            return [self._record(row) for row in session.scalars(select(Customer).order_by(Customer.id)).all()]

    def match(
        self,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        full_name: Optional[str] = None,
        date_of_birth: DateLike = None,
        postal_code: Optional[str] = None,
        order_number: Optional[str] = None,
    ) -> MatchResult:
        """The customer matching the most given data points (ties: fewest id, deterministic)."""
        given = self._indexes(
            email=email,
            phone=phone,
            full_name=full_name,
            date_of_birth=date_of_birth,
            postal_code=postal_code,
            order_number=order_number,
        )
        columns = {
            "email": Customer.email_index,
            "phone": Customer.phone_index,
            "full_name": Customer.name_index,
            "order_number": Customer.order_index,
        }
        # Candidates come from the identifying points; date of birth and postal code only confirm.
        conditions = [columns[name] == value for name, value in given.items() if name in columns and value]
        if not conditions:
            return MatchResult(None, [])
        try:
            with self._db.read() as session:
                rows = session.scalars(select(Customer).where(or_(*conditions)).order_by(Customer.id).limit(50)).all()
        except (OperationalError, ProgrammingError) as exc:
            if is_missing_table(exc):
                raise VerificationStoreNotReady("customers table is missing; run `privacy-desk migrate`") from exc
            raise
        best: Tuple[int, Optional[str], List[str]] = (0, None, [])
        for row in rows:
            stored = {
                "email": row.email_index,
                "phone": row.phone_index,
                "full_name": row.name_index,
                "date_of_birth": row.dob_index,
                "postal_code": row.postal_index,
                "order_number": row.order_index,
            }
            points = [name for name, value in given.items() if value and stored[name] == value]
            if len(points) > best[0]:
                best = (len(points), row.id, points)
        return MatchResult(best[1], best[2])

    def _record(self, row: Customer) -> CustomerRecord:
        data = self._cipher.decrypt_json(row.data_ct)
        dob = data.get("date_of_birth")
        return CustomerRecord(
            customer_id=row.id,
            full_name=data["full_name"],
            email=data.get("email"),
            phone=data.get("phone"),
            date_of_birth=date.fromisoformat(dob) if dob else None,
            postal_code=data.get("postal_code"),
            order_number=data.get("order_number"),
        )


#: Obviously fake demo customers (README "Verification and notifications").
DEMO_CUSTOMERS: Sequence[CustomerRecord] = (
    CustomerRecord(
        "demo-ada", "Ada Demo", "ada.demo@example.com", "+12025550100", date(1985, 12, 10), "10022", "CNA-100001"
    ),
    CustomerRecord(
        "demo-bruno", "Bruno Démo", "bruno.demo@example.com", "+12025550101", date(1990, 3, 4), "94105", "CNA-100002"
    ),
    CustomerRecord(
        "demo-chloe",
        "Chloé Exemple",
        "chloe.example@example.org",
        "+12025550102",
        date(1978, 7, 21),
        "60601",
        "CNA-100003",
    ),
    CustomerRecord(
        "demo-dmitri",
        "Dmitri Testov",
        "dmitri.test@example.net",
        "+12025550103",
        date(2001, 1, 31),
        "33101",
        "CNA-100004",
    ),
    # A child's account (born 2015): the parental-deletion flow names it by e-mail.
    CustomerRecord("demo-finn", "Finn Demo", "finn.demo@example.com", None, date(2015, 6, 1), "10022", None),
)
