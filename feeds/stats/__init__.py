"""Who reads the site's feeds: subscriber counts and poll statistics, without tracking anyone.

``agents`` reads what an aggregator's User-Agent says, ``spool`` takes each poll off the
request path into a per-worker file, ``rollup`` turns a day of them into counts the
publisher keeps in the catalogue, ``report`` reads them back for ``feeds stats`` and
``page`` draws ``/stats/``.
"""
