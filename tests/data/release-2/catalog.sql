BEGIN TRANSACTION;
CREATE TABLE files (
    source TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, ino INTEGER,
    id TEXT, path TEXT, date REAL, draft INTEGER, own_id INTEGER, digest TEXT,
    groups TEXT, media TEXT, missing TEXT, aliases TEXT, keys TEXT, problem TEXT, line INTEGER,
    state TEXT);
INSERT INTO "files" VALUES('content/world/first.md',1796533221016159301,141,2228237,'urn:x:first','world/first',1772355600.0,0,1,'daa7c73f6cf52acfbb8d921c15a4c8dc','[["site:",""],["section:world","world"],["tag:harbour","harbour"],["author:desk","Desk"]]','[]','[]','["/2019/old-first"]','["site:","section:world","tag:harbour","author:desk"]',NULL,NULL,'live');
INSERT INTO "files" VALUES('content/world/backdated.md',1796533223535285152,125,2228266,'urn:x:backdated','world/backdated',1768467600.0,0,1,'e9eff61488b1017373351db3632a4b59','[["site:",""],["section:world","world"],["tag:harbour","harbour"],["author:desk","Desk"]]','[]','[]','[]','["site:","section:world","tag:harbour","author:desk"]',NULL,NULL,'live');
INSERT INTO "files" VALUES('content/world/fifth.md',1796533223877403629,111,2228267,'urn:x:fifth','world/fifth',1772701200.0,0,1,'c058046b47731c65bba226500147484a','[["site:",""],["section:world","world"],["tag:boats","boats"],["author:desk","Desk"]]','[]','[]','[]','["site:","section:world","tag:boats","author:desk"]',NULL,NULL,'live');
INSERT INTO "files" VALUES('content/world/sixth.md',1796533224109359419,111,2228268,'urn:x:sixth','world/sixth',1772787600.0,0,1,'2912d60afb54ff97cd5c198d8c47ffd8','[["site:",""],["section:world","world"],["tag:boats","boats"],["author:desk","Desk"]]','[]','[]','[]','["site:","section:world","tag:boats","author:desk"]',NULL,NULL,'live');
INSERT INTO "files" VALUES('content/world/second-renamed.md',1796533221016187863,123,2228255,'urn:x:second','world/second-renamed',1772442000.0,0,1,'4499161c30e70da0c703e6278af1efc3','[["site:",""],["section:world","world"],["tag:harbour","harbour"],["tag:boats","boats"],["author:desk","Desk"]]','[]','[]','[]','["site:","section:world","tag:harbour","tag:boats","author:desk"]',NULL,NULL,'live');
CREATE TABLE groups (
    grp TEXT PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, name TEXT NOT NULL,
    live INTEGER NOT NULL, slots INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO "groups" VALUES('author:desk','author','desk','Desk',5,6);
INSERT INTO "groups" VALUES('section:world','section','world','world',5,6);
INSERT INTO "groups" VALUES('site:','site','','',5,6);
INSERT INTO "groups" VALUES('tag:boats','tag','boats','boats',3,4);
INSERT INTO "groups" VALUES('tag:harbour','tag','harbour','harbour',3,3);
CREATE TABLE history (line TEXT NOT NULL);
INSERT INTO "history" VALUES('{"n":1,"at":"2026-12-06T05:00:23Z","event":"published","id":"urn:x:first","seq":1,"file":"content/world/first.md","path":"world/first","places":{"author:desk":0,"section:world":0,"site:":0,"tag:harbour":0}}');
INSERT INTO "history" VALUES('{"n":2,"at":"2026-12-06T05:00:23Z","event":"published","id":"urn:x:second","seq":2,"file":"content/world/second.md","path":"world/second","places":{"author:desk":1,"section:world":1,"site:":1,"tag:boats":0,"tag:harbour":1}}');
INSERT INTO "history" VALUES('{"n":3,"at":"2026-12-06T05:00:23Z","event":"published","id":"urn:x:third","seq":3,"file":"content/world/third.md","path":"world/third","places":{"author:desk":2,"section:world":2,"site:":2,"tag:boats":1}}');
INSERT INTO "history" VALUES('{"n":4,"at":"2026-12-06T05:00:23Z","event":"address","path":"/2019/old-first","id":"urn:x:first","alias":true}');
INSERT INTO "history" VALUES('{"n":5,"at":"2026-12-06T05:00:23Z","event":"published","id":"urn:x:backdated","seq":4,"file":"content/world/backdated.md","path":"world/backdated","places":{"site:":3,"section:world":3,"tag:harbour":2,"author:desk":3}}');
INSERT INTO "history" VALUES('{"n":6,"at":"2026-12-06T05:00:23Z","event":"published","id":"urn:x:fifth","seq":5,"file":"content/world/fifth.md","path":"world/fifth","places":{"site:":4,"section:world":4,"tag:boats":2,"author:desk":4}}');
INSERT INTO "history" VALUES('{"n":7,"at":"2026-12-06T05:00:24Z","event":"published","id":"urn:x:sixth","seq":6,"file":"content/world/sixth.md","path":"world/sixth","places":{"site:":5,"section:world":5,"tag:boats":3,"author:desk":5}}');
INSERT INTO "history" VALUES('{"n":8,"at":"2026-12-06T05:00:24Z","event":"moved","id":"urn:x:second","file":"content/world/second-renamed.md","path":"world/second-renamed"}');
INSERT INTO "history" VALUES('{"n":9,"at":"2026-12-06T05:00:24Z","event":"removed","id":"urn:x:third","file":null}');
INSERT INTO "history" VALUES('{"n":10,"at":"2026-12-06T05:00:24Z","event":"left","id":"urn:x:third","group":"site:","place":2,"taken":6}');
INSERT INTO "history" VALUES('{"n":11,"at":"2026-12-06T05:00:24Z","event":"left","id":"urn:x:third","group":"section:world","place":2,"taken":6}');
INSERT INTO "history" VALUES('{"n":12,"at":"2026-12-06T05:00:24Z","event":"left","id":"urn:x:third","group":"tag:boats","place":1,"taken":4}');
INSERT INTO "history" VALUES('{"n":13,"at":"2026-12-06T05:00:24Z","event":"left","id":"urn:x:third","group":"author:desk","place":2,"taken":6}');
CREATE TABLE keys (key TEXT PRIMARY KEY, version INTEGER NOT NULL,
    stamp INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO "keys" VALUES('group:author:desk',7,1796533228);
INSERT INTO "keys" VALUES('group:section:world',7,1796533228);
INSERT INTO "keys" VALUES('group:site:',7,1796533228);
INSERT INTO "keys" VALUES('group:tag:boats',7,1796533228);
INSERT INTO "keys" VALUES('group:tag:harbour',3,1796533224);
INSERT INTO "keys" VALUES('groups',2,1796533223);
INSERT INTO "keys" VALUES('name:author:desk',2,1796533223);
INSERT INTO "keys" VALUES('name:section:world',2,1796533223);
INSERT INTO "keys" VALUES('name:tag:boats',2,1796533223);
INSERT INTO "keys" VALUES('name:tag:harbour',2,1796533223);
INSERT INTO "keys" VALUES('page:author:desk:2',7,1796533228);
INSERT INTO "keys" VALUES('page:author:desk:3',5,1796533226);
INSERT INTO "keys" VALUES('page:section:world:2',7,1796533228);
INSERT INTO "keys" VALUES('page:section:world:3',5,1796533226);
INSERT INTO "keys" VALUES('page:site::2',7,1796533228);
INSERT INTO "keys" VALUES('page:site::3',5,1796533226);
INSERT INTO "keys" VALUES('page:tag:boats:1',7,1796533228);
INSERT INTO "keys" VALUES('page:tag:boats:2',5,1796533226);
INSERT INTO "keys" VALUES('page:tag:harbour:2',3,1796533224);
INSERT INTO "keys" VALUES('path:/2019/old-first',2,1796533223);
INSERT INTO "keys" VALUES('path:world/backdated',3,1796533224);
INSERT INTO "keys" VALUES('path:world/fifth',4,1796533225);
INSERT INTO "keys" VALUES('path:world/second',6,1796533227);
INSERT INTO "keys" VALUES('path:world/second-renamed',6,1796533227);
INSERT INTO "keys" VALUES('path:world/sixth',5,1796533226);
INSERT INTO "keys" VALUES('path:world/third',7,1796533228);
INSERT INTO "keys" VALUES('sections',2,1796533223);
INSERT INTO "keys" VALUES('story:urn:x:backdated',3,1796533224);
INSERT INTO "keys" VALUES('story:urn:x:fifth',4,1796533225);
INSERT INTO "keys" VALUES('story:urn:x:second',6,1796533227);
INSERT INTO "keys" VALUES('story:urn:x:sixth',5,1796533226);
INSERT INTO "keys" VALUES('story:urn:x:third',7,1796533228);
CREATE TABLE media (file TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (file, id))
    WITHOUT ROWID;
CREATE TABLE members (
    grp TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT NOT NULL, live INTEGER NOT NULL,
    date REAL NOT NULL, name TEXT NOT NULL, removed_at INTEGER, removed_pos INTEGER,
    expired INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (grp, pos)) WITHOUT ROWID;
INSERT INTO "members" VALUES('author:desk',0,'urn:x:first',1,1772355600.0,'Desk',NULL,NULL,0);
INSERT INTO "members" VALUES('author:desk',1,'urn:x:second',1,1772442000.0,'Desk',NULL,NULL,0);
INSERT INTO "members" VALUES('author:desk',2,'urn:x:third',0,1772528400.0,'Desk',1796533224,6,0);
INSERT INTO "members" VALUES('author:desk',3,'urn:x:backdated',1,1768467600.0,'Desk',NULL,NULL,0);
INSERT INTO "members" VALUES('author:desk',4,'urn:x:fifth',1,1772701200.0,'Desk',NULL,NULL,0);
INSERT INTO "members" VALUES('author:desk',5,'urn:x:sixth',1,1772787600.0,'Desk',NULL,NULL,0);
INSERT INTO "members" VALUES('section:world',0,'urn:x:first',1,1772355600.0,'world',NULL,NULL,0);
INSERT INTO "members" VALUES('section:world',1,'urn:x:second',1,1772442000.0,'world',NULL,NULL,0);
INSERT INTO "members" VALUES('section:world',2,'urn:x:third',0,1772528400.0,'world',1796533224,6,0);
INSERT INTO "members" VALUES('section:world',3,'urn:x:backdated',1,1768467600.0,'world',NULL,NULL,0);
INSERT INTO "members" VALUES('section:world',4,'urn:x:fifth',1,1772701200.0,'world',NULL,NULL,0);
INSERT INTO "members" VALUES('section:world',5,'urn:x:sixth',1,1772787600.0,'world',NULL,NULL,0);
INSERT INTO "members" VALUES('site:',0,'urn:x:first',1,1772355600.0,'',NULL,NULL,0);
INSERT INTO "members" VALUES('site:',1,'urn:x:second',1,1772442000.0,'',NULL,NULL,0);
INSERT INTO "members" VALUES('site:',2,'urn:x:third',0,1772528400.0,'',1796533224,6,0);
INSERT INTO "members" VALUES('site:',3,'urn:x:backdated',1,1768467600.0,'',NULL,NULL,0);
INSERT INTO "members" VALUES('site:',4,'urn:x:fifth',1,1772701200.0,'',NULL,NULL,0);
INSERT INTO "members" VALUES('site:',5,'urn:x:sixth',1,1772787600.0,'',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:boats',0,'urn:x:second',1,1772442000.0,'boats',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:boats',1,'urn:x:third',0,1772528400.0,'boats',1796533224,4,0);
INSERT INTO "members" VALUES('tag:boats',2,'urn:x:fifth',1,1772701200.0,'boats',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:boats',3,'urn:x:sixth',1,1772787600.0,'boats',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:harbour',0,'urn:x:first',1,1772355600.0,'harbour',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:harbour',1,'urn:x:second',1,1772442000.0,'harbour',NULL,NULL,0);
INSERT INTO "members" VALUES('tag:harbour',2,'urn:x:backdated',1,1768467600.0,'harbour',NULL,NULL,0);
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
INSERT INTO "meta" VALUES('born',1796533221);
INSERT INTO "meta" VALUES('build_from',1);
INSERT INTO "meta" VALUES('complete',1);
INSERT INTO "meta" VALUES('history_files','{"2026-12.jsonl":[2050,1796533224523164603,2237642]}');
INSERT INTO "meta" VALUES('history_n',14);
INSERT INTO "meta" VALUES('next_seq',7);
INSERT INTO "meta" VALUES('parser','0.1.0+2');
INSERT INTO "meta" VALUES('schema',2);
INSERT INTO "meta" VALUES('settings','{"title": "Harbour Times", "base_url": "http://127.0.0.1:40499/", "description": "", "language": "en", "timezone": "Europe/Lisbon", "author": {"name": "Desk"}, "copyright": "", "feed_size": 2, "page_size": 2, "cache_max_age": 900, "cache_s_maxage": "", "cache_stale_while_revalidate": 0, "cache_stale_if_error": 0, "surrogate_key_header": "xkey", "purge": [], "hubs": [], "write_ids": true, "opml_format": "atom", "document_cache_mb": 64, "redirects": [], "admin_token": ""}');
INSERT INTO "meta" VALUES('stamp',1796533228);
INSERT INTO "meta" VALUES('version',7);
CREATE TABLE moved (grp TEXT PRIMARY KEY, moved_to TEXT NOT NULL,
    moved_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE paths (path TEXT PRIMARY KEY, id TEXT NOT NULL, alias INTEGER)
    WITHOUT ROWID;
INSERT INTO "paths" VALUES('/2019/old-first','urn:x:first',1);
INSERT INTO "paths" VALUES('world/backdated','urn:x:backdated',0);
INSERT INTO "paths" VALUES('world/fifth','urn:x:fifth',0);
INSERT INTO "paths" VALUES('world/first','urn:x:first',0);
INSERT INTO "paths" VALUES('world/second','urn:x:second',0);
INSERT INTO "paths" VALUES('world/second-renamed','urn:x:second',0);
INSERT INTO "paths" VALUES('world/sixth','urn:x:sixth',0);
INSERT INTO "paths" VALUES('world/third','urn:x:third',0);
CREATE TABLE problems (
    source TEXT NOT NULL, line INTEGER, message TEXT NOT NULL, kind TEXT NOT NULL,
    grp TEXT, warning INTEGER NOT NULL DEFAULT 0);
CREATE TABLE stories (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, source TEXT, path TEXT, live INTEGER NOT NULL,
    removed_at INTEGER, groups TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO "stories" VALUES('urn:x:backdated',4,'content/world/backdated.md','world/backdated',1,NULL,'["site:","section:world","tag:harbour","author:desk"]');
INSERT INTO "stories" VALUES('urn:x:fifth',5,'content/world/fifth.md','world/fifth',1,NULL,'["site:","section:world","tag:boats","author:desk"]');
INSERT INTO "stories" VALUES('urn:x:first',1,'content/world/first.md','world/first',1,NULL,'["site:","section:world","tag:harbour","author:desk"]');
INSERT INTO "stories" VALUES('urn:x:second',2,'content/world/second-renamed.md','world/second-renamed',1,NULL,'["site:","section:world","tag:harbour","tag:boats","author:desk"]');
INSERT INTO "stories" VALUES('urn:x:sixth',6,'content/world/sixth.md','world/sixth',1,NULL,'["site:","section:world","tag:boats","author:desk"]');
INSERT INTO "stories" VALUES('urn:x:third',3,NULL,'world/third',0,1796533224,'["site:","section:world","tag:boats","author:desk"]');
CREATE TABLE texts (source TEXT PRIMARY KEY, story TEXT NOT NULL);
INSERT INTO "texts" VALUES('content/world/first.md','["world/first","content/world/first.md","First","urn:x:first","2026-03-01T09:00:00+00:00","2026-03-01T09:00:00+00:00",[["Desk",null,null]],"world",["harbour"],null,"The first story, with *emphasis*.\n",null,[],null,false,["/2019/old-first"]]');
INSERT INTO "texts" VALUES('content/world/backdated.md','["world/backdated","content/world/backdated.md","Backdated","urn:x:backdated","2026-01-15T09:00:00+00:00","2026-01-15T09:00:00+00:00",[["Desk",null,null]],"world",["harbour"],null,"The backdated story, with *emphasis*.\n",null,[],null,false,[]]');
INSERT INTO "texts" VALUES('content/world/fifth.md','["world/fifth","content/world/fifth.md","Fifth","urn:x:fifth","2026-03-05T09:00:00+00:00","2026-03-05T09:00:00+00:00",[["Desk",null,null]],"world",["boats"],null,"The fifth story, with *emphasis*.\n",null,[],null,false,[]]');
INSERT INTO "texts" VALUES('content/world/sixth.md','["world/sixth","content/world/sixth.md","Sixth","urn:x:sixth","2026-03-06T09:00:00+00:00","2026-03-06T09:00:00+00:00",[["Desk",null,null]],"world",["boats"],null,"The sixth story, with *emphasis*.\n",null,[],null,false,[]]');
INSERT INTO "texts" VALUES('content/world/second-renamed.md','["world/second-renamed","content/world/second-renamed.md","Second","urn:x:second","2026-03-02T09:00:00+00:00","2026-03-02T09:00:00+00:00",[["Desk",null,null]],"world",["harbour","boats"],null,"The second story, with *emphasis*.\n",null,[],null,false,[]]');
CREATE INDEX stories_path ON stories(path, live);
CREATE INDEX members_date ON members(grp, live, date, pos);
CREATE INDEX keys_version ON keys(version);
CREATE INDEX files_id ON files(id);
CREATE INDEX files_path ON files(path);
CREATE INDEX files_ino ON files(ino);
CREATE INDEX files_waiting ON files(date) WHERE state = 'scheduled';
CREATE INDEX files_no_id ON files(source) WHERE state = 'live' AND own_id = 0;
CREATE INDEX stories_source ON stories(source);
CREATE UNIQUE INDEX members_id ON members(grp, id);
CREATE INDEX members_removed ON members(removed_at) WHERE live = 0 AND expired = 0;
CREATE INDEX media_story ON media(id);
CREATE INDEX problems_source ON problems(source);
CREATE INDEX problems_grp ON problems(grp);
COMMIT;
