"""What a site is: its settings, its story files, and how one is read; the tables of what
varies (formats, group kinds, URL shapes). Plain Python with no catalogue: its only I/O is
reading a site's files, and writing ids into story files (``ids``) and new sites and stories
(``newsite``, ``newstory``) when a command asks."""
