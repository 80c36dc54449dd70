"""What the publisher tells other servers after each commit: WebSub hubs (``websub``) and the
caches in front of the site (``purge``), each from a thread of its own (``hooks``), with
retries (``outbox``). It runs in the publisher, beside the catalogue, never when a document
is made."""
