"""Officers' review: the queue, taking and assigning, the review page, reopening; and, for the school
as well, printing and comparing submissions."""
