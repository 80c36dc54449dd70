"""What a site is: its settings, its story files, and how one is read (plain Python, no I/O
beyond reading one file)."""
