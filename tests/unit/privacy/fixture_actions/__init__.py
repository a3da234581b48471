"""Actions registered by the action-server lock tests (a package of their own, no flows)."""
