"""``feeds import``: other sites' feeds and WordPress exports, brought in as story files.

``sources`` reads a source (``fetch``, then ``feedsource`` or ``wxr``) into items;
``storyfiles`` writes an item as a story file (``convert`` turns its HTML into
Markdown); ``run`` decides, for each item, new, updated, unchanged or skipped;
``plan`` and ``redirects`` send the old feeds' readers to the new feeds.
"""
