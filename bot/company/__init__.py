"""The company profile: who the assistant speaks for, from the policy and the operator's company.yml.

Plain Python (no Rasa): ``current_profile()`` is what every user-facing text is filled from.
"""

from bot.company.load import (
    ProfileBuild,
    build_profile,
    configure,
    current_profile,
    default_jurisdiction,
    load_profile,
    policy_in_force,
)
from bot.company.operator_file import CompanyFileError, read_company_file
from bot.company.profile import CompanyProfile, PostalAddress, Provenance, Source

__all__ = [
    "CompanyProfile",
    "PostalAddress",
    "Provenance",
    "Source",
    "ProfileBuild",
    "CompanyFileError",
    "build_profile",
    "load_profile",
    "read_company_file",
    "current_profile",
    "policy_in_force",
    "default_jurisdiction",
    "configure",
]
