"""Privacy Desk domain and services around Rasa (no Rasa imports in domain modules)."""
