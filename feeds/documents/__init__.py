"""What is served: every document (feeds, archives, pages, OPML) rendered from a catalogue view."""
