-- Records dated only to a year, a month or a last update, and records with
-- no date, are kept (item_date '' when none): date_until is the last day
-- such a record may be from, date_field the member the date came from.
ALTER TABLE chart_items ADD COLUMN date_until TEXT NOT NULL DEFAULT '';
ALTER TABLE chart_items ADD COLUMN date_field TEXT NOT NULL DEFAULT '';
