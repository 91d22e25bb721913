"""The return engine, free of any one return type: the contract each type fills in (registry),
who acts in what capacity (policy), the lifecycle, drafts, reviews, notices and the signal sent
after every move. Types use the engine; the engine never imports a type."""
