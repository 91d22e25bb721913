"""Support categories (issue 17): the published, versioned criteria; the category the service
suggests from transparent rules over the evidence it holds; and officers' decisions with their
history. Routes in routes.py call the plain functions of criteria.py, rules.py and decisions.py."""
