"""Great Expectations gates that guard what finance relies on."""
