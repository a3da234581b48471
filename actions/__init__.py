"""rasa_sdk actions and form validators: thin adapters from tracker and slots to ``bot`` and ``policy_kb``."""
