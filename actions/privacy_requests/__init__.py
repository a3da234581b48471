"""Privacy-request conversations: thin rasa_sdk adapters over :mod:`bot.requests`.

(Not named ``actions.requests``: rasa_sdk's package walker would then import the
third-party ``requests`` library's modules as if they were ours.)

- ``forms.py``: the reusable form-validation base class.
- ``request_validation.py`` / ``parental_validation.py`` / ``status_validation.py``: ``validate_request_form`` /
  ``validate_parental_form`` / ``validate_status_form``, over ``code_check.py`` (sending and checking the
  one-time code) and ``form_answers.py`` (yes/no, a new-code request, the values that end a form).
- ``asks.py``: summaries before submission.
- ``submit.py``: filing the request and telling the user what the ticket store answered.
- ``status.py``, ``escalation.py``, ``cancel.py``: status checks, a person, leaving a form.
- ``listening.py``: forms that listen — values from anywhere in a message, corrections
  ("my email is wrong, it's ..."), a question mid-form (back to the form only if the user was filing).
- ``switching.py``: a change of mind in the rights-request form, confirmed once.
"""
