-- A book club: members, the books they read, meetings, who hosts them, and reviews.
-- Written by hand for the import tests (SQLite's dialect, as SQLite schemas are written: TEXT, INTEGER).

CREATE TABLE member (
  id INTEGER CONSTRAINT member_pk PRIMARY KEY,
  handle TEXT NOT NULL,
  email TEXT NOT NULL,
  invited_by_id INTEGER,
  joined_on TEXT NOT NULL DEFAULT CURRENT_DATE,
  active INTEGER NOT NULL DEFAULT 1,
  CONSTRAINT member_handle_uq UNIQUE (handle),
  CONSTRAINT uq_member_email UNIQUE (email),
  CONSTRAINT fk_member_invited_by FOREIGN KEY (invited_by_id) REFERENCES member (id) ON DELETE SET NULL,
  CONSTRAINT ck_member_active CHECK (active IN (0, 1))
);

-- Every circle has a host, a member, who belongs to a circle: checked at commit.
CREATE TABLE circle (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  host_id INTEGER NOT NULL,
  CONSTRAINT fk_circle_host FOREIGN KEY (host_id) REFERENCES seat (member_id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE seat (
  member_id INTEGER NOT NULL,
  circle_id INTEGER NOT NULL,
  role TEXT NOT NULL DEFAULT 'reader',
  CONSTRAINT seat_key PRIMARY KEY (member_id),
  CONSTRAINT fk_seat_member FOREIGN KEY (member_id) REFERENCES member (id) ON DELETE CASCADE,
  CONSTRAINT fk_seat_circle FOREIGN KEY (circle_id) REFERENCES circle (id),
  CONSTRAINT ck_seat_role CHECK (role IN ('reader', 'host', 'guest'))
);

CREATE TABLE book (
  isbn TEXT NOT NULL,
  edition INTEGER NOT NULL,
  title TEXT NOT NULL,
  pages INTEGER,
  price NUMERIC(8, 2) NOT NULL,
  CONSTRAINT pk_book PRIMARY KEY (isbn, edition),
  CONSTRAINT ck_book_pages CHECK (pages > 0),
  CONSTRAINT book_price_ck CHECK (price >= 0)
);

-- Members review books: many to many, one review each.
CREATE TABLE review (
  member_id INTEGER NOT NULL,
  book_isbn TEXT NOT NULL,
  book_edition INTEGER NOT NULL,
  stars INTEGER NOT NULL,
  body TEXT,
  CONSTRAINT pk_review PRIMARY KEY (member_id, book_isbn, book_edition),
  CONSTRAINT fk_review_member FOREIGN KEY (member_id) REFERENCES member (id) ON DELETE CASCADE,
  CONSTRAINT fk_review_book FOREIGN KEY (book_isbn, book_edition) REFERENCES book (isbn, edition),
  CONSTRAINT ck_review_stars CHECK (stars BETWEEN 1 AND 5)
);
CREATE INDEX review_good_ix ON review (stars) WHERE stars >= 4;
CREATE INDEX ix_review_book ON review (book_isbn, book_edition);

-- Reviews are found by their words: an FTS5 table over the reviews, kept in step by triggers.
CREATE VIRTUAL TABLE review_words USING fts5(body, content='review', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER review_words_insert AFTER INSERT ON review BEGIN
  INSERT INTO review_words (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER review_words_delete AFTER DELETE ON review BEGIN
  INSERT INTO review_words (review_words, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER review_words_update AFTER UPDATE ON review BEGIN
  INSERT INTO review_words (review_words, rowid, body) VALUES ('delete', old.rowid, old.body);
  INSERT INTO review_words (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE VIEW book_scores AS
  SELECT r.book_isbn, r.book_edition, AVG(r.stars) AS score, COUNT(*) AS reviews FROM review r
  GROUP BY r.book_isbn, r.book_edition;
