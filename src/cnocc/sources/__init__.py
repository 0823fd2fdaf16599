"""Reading and checking the human-edited sources: the CSV tables (`tables`, cell by cell), the tables
against each other (`dataset`), the release text quotes are checked against (`sourcetext`), and the
SSSOM mapping sets (`sssom`). Every problem names its file, line and field."""
