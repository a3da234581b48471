"""Jobs that sweep every store: key rotation (``privacy-desk rotate-keys``) and retention."""
