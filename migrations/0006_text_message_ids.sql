-- Message ids are any non-empty printable string of at most 128 characters (such as "test-123"),
-- no longer only UUIDs. Existing UUIDs convert to their text form, which is how the API and the
-- topic already spell them; the primary key and the created_at index are rebuilt with the column.
ALTER TABLE text_messages ALTER COLUMN id TYPE text USING id::text;
