-- Grams for searching Chinese text in PostgreSQL, created in the schema of each service that
-- searches text (customer names, ticket texts): a generated text[] column of text_grams(text)
-- under a GIN index, queried with `grams @> query_grams(term)` and rechecked with LIKE.
--
-- Search grams of a text: every character, then every pair of neighbouring characters, lower
-- case, without white space. A GIN index over them answers "the name contains 华为" for the
-- one- and two-character terms that yield no trigram; LIKE rechecks the real text. Repeats are
-- kept: GIN stores each key of a row once, and containment (@>) does not count.
CREATE FUNCTION text_grams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  u text[] := string_to_array(lower(regexp_replace(name, '\s+', '', 'g')), NULL);
  out text[] := u;
BEGIN
  FOR i IN 1..coalesce(array_length(u, 1), 0) - 1 LOOP
    out := out || (u[i] || u[i + 1]);
  END LOOP;
  RETURN out;
END
$$;

-- The grams a search term must all have: its pairs, or the term itself when it is one
-- character. A search computes it once (a constant, or a CTE under a kept plan).
CREATE FUNCTION query_grams(query text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  q text := lower(regexp_replace(query, '\s+', '', 'g'));
  u text[];
  out text[] := '{}';
BEGIN
  IF length(q) <= 1 THEN
    RETURN ARRAY[q];
  END IF;
  u := string_to_array(q, NULL);
  FOR i IN 1..array_length(u, 1) - 1 LOOP
    out := out || (u[i] || u[i + 1]);
  END LOOP;
  RETURN out;
END
$$;

