"""The company details every notice is signed with, read through one function.

They come from the company profile (:func:`bot.company.current_profile`: the policy's facts completed
by the operator's ``company.yml``); :func:`company_details` is the one place notices read them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CompanyDetails", "company_details"]


@dataclass(frozen=True)
class CompanyDetails:
    """What a notice may say about the sender (never about the requester)."""

    name: str
    email: str
    postal_address: str
    #: How a requester checks a request in the web chat (no link carries the reference).
    web_chat_hint: str = 'say "check my request status" in the chat on our website'


def company_details() -> CompanyDetails:
    """The details of the company the assistant speaks for now (its current profile)."""
    from bot.company import current_profile

    profile = current_profile()
    return CompanyDetails(
        name=profile.display_name, email=profile.privacy_email, postal_address=profile.postal_address_line or ""
    )
