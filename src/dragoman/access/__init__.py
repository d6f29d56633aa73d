"""Who may call dragoman, how much and how fast, and what each call used: keys, limits, usage records."""
