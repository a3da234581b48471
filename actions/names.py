"""Every Rasa name the actions use, in one place.

A test checks each constant here exists in ``domain.yml``, so a typo fails
loudly instead of silently skipping a rule or a validator.
"""

from __future__ import annotations

# Small talk, yes/no and fallback.
INTENT_GREET = "greet"
INTENT_GOODBYE = "goodbye"
INTENT_THANK = "thank"
INTENT_BOT_CHALLENGE = "bot_challenge"
INTENT_WHAT_CAN_YOU_DO = "what_can_you_do"
INTENT_OUT_OF_SCOPE = "out_of_scope"
INTENT_OTHER_LANGUAGE = "other_language"
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"
INTENT_NLU_FALLBACK = "nlu_fallback"

SLOT_PRIVACY_NOTICE_SHOWN = "privacy_notice_shown"
# The company's details: set from its profile when a session starts; responses interpolate them.
ACTION_SESSION_START = "action_session_start"
ACTION_LISTEN = "action_listen"
SLOT_COMPANY_NAME = "company_name"
SLOT_COMPANY_EMAIL = "company_email"
SLOT_ASSISTANT_NAME = "assistant_name"

ACTION_DEFAULT_FALLBACK_OPTIONS = "action_default_fallback_options"

UTTER_DEFAULT = "utter_default"
UTTER_WHAT_I_CAN_DO = "utter_what_i_can_do"

# Policy questions and their answers.
INTENT_ASK_POLICY = "ask_policy"
INTENT_POLICY_TELL_MORE = "policy_tell_more"

SLOT_POLICY_SECTION = "policy_section"
SLOT_POLICY_SHOWN = "policy_shown"

ACTION_ANSWER_POLICY_QUESTION = "action_answer_policy_question"
ACTION_POLICY_TELL_MORE = "action_policy_tell_more"

UTTER_POLICY_NOT_COVERED = "utter_policy_not_covered"
UTTER_POLICY_NOT_COVERED_NO_EMAIL = "utter_policy_not_covered_no_email"
UTTER_POLICY_NOT_UNDERSTOOD = "utter_policy_not_understood"
UTTER_POLICY_ASK_QUESTION = "utter_policy_ask_question"
UTTER_POLICY_UNAVAILABLE = "utter_policy_unavailable"
UTTER_POLICY_MORE_WHICH = "utter_policy_more_which"
UTTER_POLICY_NOTHING_MORE = "utter_policy_nothing_more"
# A message torn between a policy question and a request (actions/routing.py).
INTENT_QUESTION_OR_REQUEST = "question_or_request"
ACTION_ROUTE_QUESTION_OR_REQUEST = "action_route_question_or_request"
UTTER_ROUTE_OFFER_REQUEST = "utter_route_offer_request"
UTTER_ROUTE_NOT_IN_POLICY = "utter_route_not_in_policy"

# The request, parental and status forms.
INTENT_REQUEST_ACCESS = "request_access"
INTENT_REQUEST_CORRECTION = "request_correction"
INTENT_REQUEST_DELETION = "request_deletion"
INTENT_REQUEST_STOP_USING = "request_stop_using"
INTENT_REQUEST_PARENTAL_DELETION = "request_parental_deletion"
INTENT_MAKE_REQUEST = "make_request"
INTENT_CHECK_STATUS = "check_status"
INTENT_TALK_TO_PERSON = "talk_to_person"
INTENT_CANCEL_REQUEST = "cancel_request"
INTENT_INFORM = "inform"
INTENT_CHANGE_FIELD = "change_field"

FORM_REQUEST = "request_form"
FORM_PARENTAL = "parental_form"
FORM_STATUS = "status_form"

# Personal-data slots, filled only by their form's validation (from_text inside the form).
SLOT_REQUEST_KIND = "request_kind"
SLOT_ACCESS_SCOPE = "access_scope"
SLOT_ACCESS_DETAILS = "access_details"
SLOT_CORRECTION_WHAT = "correction_what"
SLOT_CORRECTION_VALUE = "correction_value"
SLOT_STOP_SCOPE = "stop_scope"
SLOT_FULL_NAME = "full_name"
SLOT_EMAIL = "email"
SLOT_PHONE = "phone"
SLOT_DATE_OF_BIRTH = "date_of_birth"
SLOT_IDENTIFIER = "identifier"
SLOT_DECLARATION = "declaration"
SLOT_REQUEST_CONFIRMED = "request_confirmed"
SLOT_VERIFICATION_CODE = "verification_code"
SLOT_PARENT_NAME = "parent_name"
SLOT_PARENT_CONTACT = "parent_contact"
SLOT_RELATIONSHIP = "relationship"
SLOT_CHILD_NAME = "child_name"
SLOT_CHILD_ACCOUNT = "child_account"
SLOT_CHILD_AGE = "child_age"
SLOT_PARENTAL_CONFIRMED = "parental_confirmed"
SLOT_STATUS_REFERENCE = "status_reference"
SLOT_STATUS_CONTACT = "status_contact"
UTTER_ASK_STATUS_CONTACT = "utter_ask_status_contact"
SLOT_STATUS_CODE = "status_code"
# State only actions set (custom mappings).
SLOT_VERIFIED = "verified"
SLOT_VERIFICATION_LEVEL = "verification_level"
SLOT_CHALLENGE_ID = "challenge_id"
SLOT_FIELD_FAILURES = "field_failures"
SLOT_REQUEST_OUTCOME = "request_outcome"
SLOT_LAST_REFERENCE = "last_reference"
SLOT_DOB_CHOICES = "dob_choices"
#: A random nonce set when a form run starts: the idempotency key of what that run files.
SLOT_FORM_RUN = "form_run"

ACTION_VALIDATE_REQUEST_FORM = "validate_request_form"
ACTION_VALIDATE_PARENTAL_FORM = "validate_parental_form"
ACTION_VALIDATE_STATUS_FORM = "validate_status_form"
ACTION_ASK_REQUEST_CONFIRMED = "action_ask_request_confirmed"
ACTION_ASK_PARENTAL_CONFIRMED = "action_ask_parental_confirmed"
ACTION_ASK_DATE_OF_BIRTH = "action_ask_date_of_birth"
ACTION_SUBMIT_REQUEST = "action_submit_request"
ACTION_SUBMIT_PARENTAL_REQUEST = "action_submit_parental_request"
ACTION_REPORT_STATUS = "action_report_status"
ACTION_ESCALATE = "action_escalate"
ACTION_CANCEL_REQUEST = "action_cancel_request"
ACTION_STRAY_INPUT = "action_stray_input"

UTTER_BACK_TO_REQUEST = "utter_back_to_request"
# A change of mind mid-form is confirmed once; a question right after opening ends in an offer.
SLOT_PENDING_SWITCH = "pending_switch"
SLOT_SWITCH_CONFIRMED = "switch_confirmed"
ACTION_ASK_SWITCH_CONFIRMED = "action_ask_switch_confirmed"
ACTION_BACK_TO_REQUEST = "action_back_to_request"

# On SMS and the phone line: offer the number the user texts or calls from.
SLOT_PHONE_FROM_CHANNEL = "phone_from_channel"
ACTION_ASK_PHONE = "action_ask_phone"
ACTION_ASK_PARENT_CONTACT = "action_ask_parent_contact"
UTTER_ASK_PHONE = "utter_ask_phone"
UTTER_ASK_PARENT_CONTACT = "utter_ask_parent_contact"
# The status reference: offer the one filed in this conversation.
ACTION_ASK_STATUS_REFERENCE = "action_ask_status_reference"
UTTER_ASK_STATUS_REFERENCE = "utter_ask_status_reference"

# Asking how to reach someone who asked for a person, when no contact is known yet.
FORM_ESCALATION_CONTACT = "escalation_contact_form"
SLOT_ESCALATION_CONTACT = "escalation_contact"
ACTION_VALIDATE_ESCALATION_CONTACT_FORM = "validate_escalation_contact_form"
UTTER_ASK_ESCALATION_CONTACT = "utter_ask_escalation_contact"
