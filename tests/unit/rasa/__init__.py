"""Tests of the Rasa NLU components in bot/rasa/."""
